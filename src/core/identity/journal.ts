// Append-only journal of identity operations (<stateDir>/identity-journal.jsonl), so that
// `postdeck identity rollback` can undo the last import exactly. One JSON object per line, each
// appended with fsync. Holds paths, hashes and node ids — never key content.
import { promises as fs } from "node:fs";
import path from "node:path";
import * as z from "zod";

export const JOURNAL_FILE = "identity-journal.jsonl";

export const JournalEntrySchema = z.object({
  batch: z.string(), // one import command = one batch
  op: z.enum(["import", "add", "retire", "rename", "rollback"]),
  phase: z.enum(["intent", "done"]),
  at: z.number(),
  nodeId: z.string().nullable(),
  source: z.string().nullable(),
  destination: z.string().nullable(),
  sha256: z.string().nullable(),
  service: z.object({ name: z.string(), dir: z.string() }).nullable(),
  note: z.string().default(""),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

/** How recover.ts notes the done entry of an operation it finished or closed after an interruption. */
export const INTERRUPTED_NOTE = "after an interruption";

export class Journal {
  readonly file: string;
  constructor(stateDir: string) {
    this.file = path.join(stateDir, JOURNAL_FILE);
  }

  async append(entry: JournalEntry): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = await fs.open(this.file, "a", 0o600);
    try {
      await fd.write(JSON.stringify(JournalEntrySchema.parse(entry)) + "\n");
      await fd.sync();
    } finally {
      await fd.close();
    }
  }

  /** All entries; a torn last line (crash mid-append) is skipped, other bad lines are reported. */
  async read(): Promise<JournalEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const lines = text.split("\n");
    const out: JournalEntry[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JournalEntrySchema.parse(JSON.parse(line)));
      } catch {
        if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim()))
          throw new Error(`${this.file}: line ${i + 1} is not a journal entry; fix or move the file`);
      }
    });
    return out;
  }

  /** Entries of the newest import batch that has not been rolled back, or null. */
  async lastImport(): Promise<JournalEntry[] | null> {
    const entries = await this.read();
    const rolledBack = new Set(entries.filter((e) => e.op === "rollback" && e.phase === "done").map((e) => e.note));
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.op === "import" && !rolledBack.has(e.batch)) return entries.filter((x) => x.batch === e.batch && x.op === "import");
    }
    return null;
  }
}
