import { describe, expect, it } from "vitest";
import { buildPostServiceArgs, NODE_POST_UNSET, postServiceArg } from "../../../src/core/supervisor/post-service-argv.js";
import { RestartSchema, type ResolvedService } from "../../../src/config/schema.js";

const svc: ResolvedService = {
  name: "a", dir: "/pos/a", operatorAddress: null, binary: "post-service", threads: 2, pinnedCores: null,
  nonces: 128, randomxMode: "fast", reconnectIntervalS: 5, maxRetries: null, extraArgs: [], env: {},
  autostart: true, restart: RestartSchema.parse({}), stopGraceS: 10,
};

describe("post-service argv", () => {
  it("builds the flags the post-service takes (docs/spacemesh-interfaces.md §1.1), always with --threads", () => {
    expect(buildPostServiceArgs(svc, "127.0.0.1:9094", "127.0.0.1:50051")).toEqual({
      ok: true,
      args: ["--address", "http://127.0.0.1:9094", "--dir", "/pos/a", "--operator-address", "127.0.0.1:50051",
        "--threads", "2", "--nonces", "128", "--randomx-mode", "fast", "--reconnect-interval-s", "5"],
    });
  });
  it("uses --pinned-cores instead of --threads, adds --max-retries and extra args last", () => {
    const r = buildPostServiceArgs({ ...svc, pinnedCores: [0, 2], maxRetries: 10, extraArgs: ["--k1", "26"], randomxMode: "light" }, "10.0.0.2:9094", "127.0.0.1:1");
    expect(r.ok && r.args).toEqual(["--address", "http://10.0.0.2:9094", "--dir", "/pos/a", "--operator-address", "127.0.0.1:1",
      "--pinned-cores", "0,2", "--nonces", "128", "--randomx-mode", "light", "--reconnect-interval-s", "5", "--max-retries", "10", "--k1", "26"]);
    expect(r.ok && r.args).not.toContain("--threads");
  });
  it("refuses what post-service refuses, in its words", () => {
    const bad = (s: Partial<ResolvedService>, op = "127.0.0.1:1", post: string | null = "127.0.0.1:9094") => {
      const r = buildPostServiceArgs({ ...svc, ...s }, post, op);
      return r.ok ? "ok" : r.problem;
    };
    expect(bad({ nonces: 100 })).toContain("nonces must be multiple of 16");
    expect(bad({ nonces: 4112 })).toContain("max nonces is 4096");
    expect(bad({}, "localhost:50051")).toContain("invalid socket address syntax");
    expect(bad({}, "127.0.0.1:70000")).toContain("invalid socket address syntax");
    expect(bad({ extraArgs: ["--dir", "/x"] })).toContain("extraArgs repeats --dir");
    expect(bad({}, "127.0.0.1:1", null)).toBe(NODE_POST_UNSET);
  });
});

describe("reading a post-service command line", () => {
  it("reads back every flag postdeck reads from what it built", () => {
    const r = buildPostServiceArgs(svc, "127.0.0.1:9094", "127.0.0.1:50051");
    if (!r.ok) throw new Error(r.problem);
    expect(postServiceArg(r.args, "--address")).toBe("http://127.0.0.1:9094");
    expect(postServiceArg(r.args, "--dir")).toBe("/pos/a");
    expect(postServiceArg(r.args, "--operator-address")).toBe("127.0.0.1:50051");
  });
  it("reads the forms post-service accepts from a process started by hand: --flag=value and the short flag", () => {
    expect(postServiceArg(["post-service", "--address=http://10.0.0.2:9094"], "--address")).toBe("http://10.0.0.2:9094");
    expect(postServiceArg(["post-service", "-a", "http://10.0.0.2:9094", "-d", "/pos/b"], "--address")).toBe("http://10.0.0.2:9094");
    expect(postServiceArg(["post-service", "-d", "/pos/b"], "--dir")).toBe("/pos/b");
  });
  it("is undefined for a flag that is absent or has no value", () => {
    expect(postServiceArg(["post-service", "--dir", "/pos/a"], "--operator-address")).toBeUndefined();
    expect(postServiceArg(["post-service", "--dir"], "--dir")).toBeUndefined();
  });
});
