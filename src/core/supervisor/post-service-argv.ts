// The post-service command line, exactly as docs/spacemesh-interfaces.md §1.1 lists it, and the checks post-service
// itself applies (same wording) so a bad value is refused before spawning, not by a crash loop.
import type { ResolvedService } from "../../config/schema.js";

/** Flags postdeck sets itself; extraArgs may not repeat them. */
const MANAGED_FLAGS = [
  "--address", "-a", "--dir", "-d", "--operator-address", "--threads", "--pinned-cores",
  "--nonces", "--randomx-mode", "--reconnect-interval-s", "--max-retries",
];

const SOCKET_ADDR = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

export const NODE_POST_UNSET =
  "node.grpc.post is not set: post-services need the node's post listener address, e.g. 127.0.0.1:9094";

export type ArgvResult = { ok: true; args: string[] } | { ok: false; problem: string };

/** post-service's own validation rules, with its messages. */
export function validatePostServiceSettings(s: Pick<ResolvedService, "nonces" | "threads" | "pinnedCores" | "extraArgs">, operatorAddress: string): string | null {
  if (s.nonces % 16 !== 0) return `nonces must be multiple of 16 (found ${s.nonces})`;
  if (s.nonces > 4096) return `max nonces is 4096 (found ${s.nonces})`;
  if (s.nonces <= 0) return `nonces must be multiple of 16 (found ${s.nonces})`;
  const m = SOCKET_ADDR.exec(operatorAddress);
  if (!m || Number(m[3]) > 65535 || (m[1]!.includes(".") && m[1]!.split(".").some((o) => Number(o) > 255))) {
    return `invalid operator address ${JSON.stringify(operatorAddress)}: invalid socket address syntax; expected IP:port, e.g. 127.0.0.1:50051`;
  }
  for (const a of s.extraArgs) {
    const flag = a.split("=")[0]!;
    if (MANAGED_FLAGS.includes(flag)) return `extraArgs repeats ${flag}, which postdeck sets itself; remove it from extraArgs`;
  }
  return null;
}

/** The flags postdeck reads back from a post-service command line, with their short forms. */
const READ_FLAGS = { "--address": "-a", "--dir": "-d", "--operator-address": null } as const;

/**
 * The value of one flag in a post-service command line (one postdeck built, or a running
 * process's): `--dir X`, `--dir=X` or the short `-d X`; the first one given. Undefined: not there.
 */
export function postServiceArg(argv: readonly string[], flag: keyof typeof READ_FLAGS): string | undefined {
  const short = READ_FLAGS[flag];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === flag || (short !== null && a === short)) return argv[i + 1];
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return undefined;
}

/** Builds the arguments (without the binary) for one service; `nodePost` is config.node.grpc.post. */
export function buildPostServiceArgs(s: ResolvedService, nodePost: string | null, operatorAddress: string): ArgvResult {
  if (!nodePost) return { ok: false, problem: NODE_POST_UNSET };
  const problem = validatePostServiceSettings(s, operatorAddress);
  if (problem) return { ok: false, problem };
  const address = /^https?:\/\//.test(nodePost) ? nodePost : `http://${nodePost}`;
  const args = ["--address", address, "--dir", s.dir, "--operator-address", operatorAddress];
  if (s.pinnedCores && s.pinnedCores.length > 0) args.push("--pinned-cores", s.pinnedCores.join(","));
  else args.push("--threads", String(s.threads));
  args.push("--nonces", String(s.nonces), "--randomx-mode", s.randomxMode, "--reconnect-interval-s", String(s.reconnectIntervalS));
  if (s.maxRetries !== null) args.push("--max-retries", String(s.maxRetries));
  args.push(...s.extraArgs);
  return { ok: true, args };
}
