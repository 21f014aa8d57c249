// Finds a binary (a path, or a bare name on PATH) and checks it can be executed.
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export type ExecutableResult = { ok: true; path: string } | { ok: false; problem: string };

export function resolveExecutable(binary: string, envPath: string = process.env.PATH ?? ""): ExecutableResult {
  const check = (p: string): ExecutableResult | null => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return null;
    }
    if (!st.isFile()) return { ok: false, problem: `binary ${p} is not a file` };
    try {
      accessSync(p, constants.X_OK);
    } catch {
      return { ok: false, problem: `binary ${p} is not executable (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}); fix: chmod +x ${p}` };
    }
    return { ok: true, path: p };
  };
  if (binary.includes("/")) {
    return check(binary) ?? { ok: false, problem: `binary ${binary} not found; set defaults.binary (or the service's binary) to the post-service path` };
  }
  for (const dir of envPath.split(":").filter(Boolean)) {
    const r = check(path.join(dir, binary));
    if (r) return r;
  }
  return { ok: false, problem: `binary ${binary} not found on PATH; set defaults.binary (or the service's binary) to its full path` };
}
