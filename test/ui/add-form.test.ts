// The add form's defaults and checks, and the import dir parsing, without rendering.
import { describe, it, expect } from "vitest";
import {
  CPU_PROVIDER,
  addProblems,
  addRequest,
  defaultDir,
  defaultParent,
  providerList,
  unitsHint,
} from "../../src/ui/flows/add-form.js";
import { splitDirs } from "../../src/ui/flows/flows.js";
import { taskLong, taskShort } from "../../src/ui/flows/task-progress.js";

const ctx = {
  demo: false,
  services: [
    { name: "post1", dir: "/mnt/pos/post1" },
    { name: "post2", dir: "/mnt/pos/post2" },
    { name: "other", dir: "/srv/other" },
  ],
  identities: [{ keyFile: "post1.key" }, { keyFile: "post2.key" }],
};
const good = { name: "post3", dir: "/mnt/pos/post3", units: "4", atx: "" };

describe("add form", () => {
  it("defaults the PoS dir to the parent most services use, plus the name", () => {
    expect(defaultParent(ctx.services)).toBe("/mnt/pos");
    expect(defaultDir("/mnt/pos", "post3")).toBe("/mnt/pos/post3");
    expect(defaultParent([])).toBeNull();
    expect(defaultDir(null, "post3")).toBe("");
  });

  it("checks each field and says what is wrong", () => {
    expect(addProblems(good, ctx)).toEqual({});
    expect(addProblems({ ...good, name: "" }, ctx).name).toBe("type a name");
    expect(addProblems({ ...good, name: "a b" }, ctx).name).toMatch(/letters, digits/);
    expect(addProblems({ ...good, name: "post3.key" }, ctx).name).toMatch(/leave out \.key/);
    expect(addProblems({ ...good, name: "post2" }, ctx).name).toBe("identities/post2.key already exists");
    expect(addProblems({ ...good, name: "other" }, ctx).name).toBe("a service named other already exists");
    expect(addProblems({ ...good, name: "local" }, ctx).name).toMatch(/reserved/);
    expect(addProblems({ ...good, dir: "pos/post3" }, ctx).dir).toMatch(/absolute path/);
    expect(addProblems({ ...good, dir: "/mnt/pos/post1/" }, ctx).dir).toBe("already the PoS dir of service post1");
    for (const units of ["0", "-1", "1.5", "abc", ""]) expect(addProblems({ ...good, units }, ctx).units).toMatch(/whole number ≥ 1/);
    expect(addProblems({ ...good, atx: "abc" }, ctx).atx).toMatch(/64 hex/);
    expect(addProblems({ ...good, atx: "A".repeat(64) }, ctx).atx).toBeUndefined();
  });

  it("sends postcli's defaults on a real rig and the demo geometry on the demo rig", () => {
    expect(addRequest({ ...good, atx: "AB".repeat(32) }, 0, false)).toEqual({
      name: "post3",
      dir: "/mnt/pos/post3",
      units: 4,
      provider: 0,
      commitmentAtxId: "ab".repeat(32),
    });
    expect(addRequest(good, CPU_PROVIDER, true)).toMatchObject({ labelsPerUnit: 65536, maxFileSize: 1048576, commitmentAtxId: null });
  });

  it("units read as sizes; below mainnet's minimum is a warning", () => {
    expect(unitsHint("4", false)).toEqual({ text: "= 256 GiB of PoS data", warn: false });
    expect(unitsHint("2", false)?.warn).toBe(true);
    expect(unitsHint("4", true)?.text).toMatch(/4\.0 MiB/);
    expect(unitsHint("x", false)).toBeNull();
  });

  it("providers: postcli's ids (GPU first, CPU provider always offered); other sources give CPU only and say why", () => {
    const p = providerList({ providers: [{ id: 0, model: "RTX 3080", type: "GPU" }], source: "postcli", error: null });
    expect(p.choices.map((c) => c.id)).toEqual([0, CPU_PROVIDER]);
    expect(p.index).toBe(0);
    const s = providerList({ providers: [{ id: 0, model: "RTX 3080", type: "GPU" }], source: "systeminformation", error: null });
    expect(s.choices.map((c) => c.id)).toEqual([CPU_PROVIDER]);
    expect(s.note).toMatch(/not -provider ids/);
  });
});

describe("import dirs and task lines", () => {
  it("splits dirs on spaces; quotes keep a dir with spaces", () => {
    expect(splitDirs(' /a  /b "/c d" ')).toEqual(["/a", "/b", "/c d"]);
    expect(splitDirs("   ")).toEqual([]);
  });

  it("a task reads with percent, bytes of total, rate and ETA; an ended one with its message first", () => {
    const t = {
      id: "t",
      kind: "identity-add" as const,
      name: "p",
      state: "running" as const,
      startedAt: 0,
      bytesDone: 3 * 2 ** 30,
      bytesTotal: 4 * 2 ** 30,
      rateBytesPerSec: 100 * 2 ** 20,
      etaSeconds: 600,
      message: "initialising",
    };
    expect(taskShort(t)).toBe("⟳ add p 75%");
    expect(taskLong(t)).toBe("add p: 75% · 3.0 GiB of 4.0 GiB · 100 MiB/s · ETA 10m — initialising");
    expect(taskLong({ ...t, state: "failed", message: "postcli exited with code 1" })).toBe("add p failed: postcli exited with code 1 (3.0 GiB written)");
  });
});
