// The guard before an import: which processes use a PoS dir (an open file, their working
// directory, or the dir on their command line), read from /proc.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { processesUsingDir } from "../../../src/core/identity/dir-in-use.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterEach(() => cleanupTempDirs());

/** A node child (cwd outside the dir, no data-dir flag) that opens `file`, and closes it on "close". */
const HOLDER = `
const fs = require("node:fs");
let fd = fs.openSync(process.argv[1], "r");
process.stdout.write("open\\n");
process.stdin.on("data", () => { fs.closeSync(fd); process.stdout.write("closed\\n"); });
`;

async function said(child: ChildProcessWithoutNullStreams, word: string): Promise<void> {
  let out = "";
  while (!out.includes(word + "\n")) out += String((await once(child.stdout, "data"))[0]);
}

describe("processesUsingDir", () => {
  it("finds a running process that holds a file open in the dir, and not once it closed it", async () => {
    const dir = tempDir("pd-dir-in-use-");
    const file = path.join(dir, "postdata_0.bin");
    writeFileSync(file, "x");
    const child = spawn(process.execPath, ["-e", HOLDER, file], { cwd: os.tmpdir() });
    try {
      await said(child, "open");
      const held = await processesUsingDir(dir);
      expect(held.filter((u) => u.pid === child.pid)).toEqual([{ pid: child.pid, command: expect.stringMatching(new RegExp(`^${process.execPath} -e`)), how: "open file" }]);
      expect(held.some((u) => u.pid === process.pid)).toBe(false); // the caller itself is left out

      child.stdin.write("close\n");
      await said(child, "closed");
      expect((await processesUsingDir(dir)).filter((u) => u.pid === child.pid)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("skips a process that exits after the listing or hides its files, and still finds the others", async () => {
    // a /proc of its own: an exited process is still listed, then every file under it is gone
    const root = tempDir("pd-fake-proc-");
    const dir = path.join(root, "pos");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "postdata_0.bin"), "x");
    const proc = (pid: number, o: { cmdline?: string; cwd?: string; fds?: Record<string, string | null> }): void => {
      const base = path.join(root, "proc", String(pid));
      mkdirSync(path.join(base, "fd"), { recursive: true });
      if (o.cmdline !== undefined) writeFileSync(path.join(base, "cmdline"), o.cmdline);
      symlinkSync(o.cwd ?? "/", path.join(base, "cwd"));
      for (const [fd, target] of Object.entries(o.fds ?? {})) {
        if (target === null) mkdirSync(path.join(base, "fd", fd)); // not a link: reading it fails
        else symlinkSync(target, path.join(base, "fd", fd));
      }
    };
    const procRoot = path.join(root, "proc");
    proc(10, { cmdline: "post-service\0", fds: { "0": "/dev/null", "1": null, "7": path.join(dir, "postdata_0.bin") } });
    proc(11, { cmdline: "bash\0", cwd: path.join(dir) });
    proc(12, { cmdline: "post-service\0--dir\0" + dir + "\0" });
    proc(13, { fds: { "3": path.join(dir, "postdata_0.bin") } }); // no command line: a kernel thread or a zombie
    proc(14, { cmdline: "sleep\0", fds: { "3": "/tmp/elsewhere" } });
    symlinkSync(path.join(root, "exited-20"), path.join(procRoot, "20")); // listed, then gone
    mkdirSync(path.join(procRoot, "21")); // gone between its cmdline and its files
    writeFileSync(path.join(procRoot, "21", "cmdline"), "post-service\0");
    symlinkSync(path.join(root, "exited-21-fd"), path.join(procRoot, "21", "fd"));
    symlinkSync(path.join(root, "exited-21-cwd"), path.join(procRoot, "21", "cwd"));
    const long = (n: number): string => "java\0-cp\0" + "x".repeat(n) + "\0--data-folder\0" + dir + "\0"; // the flag after 4 KiB and more
    proc(15, { cmdline: long(9000) });
    proc(16, { cmdline: long(8192 - long(0).length) }); // exactly two 4 KiB reads
    proc(22, { cmdline: "cat\0", fds: { "9": path.join(dir, "postdata_0.bin") } });
    writeFileSync(path.join(procRoot, "self"), ""); // not a pid

    const users = await processesUsingDir(dir, [process.pid, 22], procRoot);
    expect(users.sort((a, b) => a.pid - b.pid)).toEqual([
      { pid: 10, command: "post-service", how: "open file" },
      { pid: 11, command: "bash", how: "working directory" },
      { pid: 12, command: `post-service --dir ${dir}`, how: "command line" },
      { pid: 15, command: `java -cp ${"x".repeat(191)}`, how: "command line" },
      { pid: 16, command: `java -cp ${"x".repeat(191)}`, how: "command line" },
    ]);
  });
});
