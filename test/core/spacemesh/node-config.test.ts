import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseNodeConfig, readNodeConfig } from "../../../src/core/spacemesh/node-config.js";
import { addressReaches, dialTarget, isLoopbackHost, parseHostPort } from "../../../src/core/spacemesh/listen-address.js";
import { tempDir } from "../../helpers/temp-dir.js";

describe("the node's JSON config", () => {
  it("reads smeshing, listeners, TLS and the log encoder", () => {
    const r = parseNodeConfig(
      JSON.stringify({
        main: { "data-folder": "/data/sm" },
        smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqqabc" },
        api: {
          "grpc-public-listener": "0.0.0.0:9092",
          "grpc-private-listener": "127.0.0.1:9093",
          "grpc-post-listener": "127.0.0.1:9094",
          "grpc-tls-listener": "0.0.0.0:9095",
          "grpc-tls-ca-cert": "/c/ca.pem",
          "grpc-tls-cert": "/c/cert.pem",
          "grpc-tls-key": "/c/key.pem",
        },
        logging: { "log-encoder": "json" },
      }),
      "/etc/node.json",
    );
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({
      file: "/etc/node.json",
      smeshingStart: false,
      coinbase: "sm1qqqqabc",
      dataFolder: "/data/sm",
      listeners: { public: "0.0.0.0:9092", private: "127.0.0.1:9093", post: "127.0.0.1:9094", tls: "0.0.0.0:9095" },
      tls: { caCert: "/c/ca.pem", cert: "/c/cert.pem", key: "/c/key.pem" },
      logEncoder: "json",
    });
  });

  it("leaves unset keys null (the node's defaults apply)", () => {
    const r = parseNodeConfig("{}", "n.json");
    expect(r.problems).toEqual([]);
    expect(r.config?.listeners.post).toBeNull();
    expect(r.config?.coinbase).toBeNull();
    expect(r.config?.smeshingStart).toBeNull();
  });

  it("names the file and the key of a wrong value", () => {
    const r = parseNodeConfig(
      JSON.stringify({ smeshing: { "smeshing-start": "yes" }, api: { "grpc-post-listener": 9094 }, logging: { "log-encoder": "xml" } }),
      "/etc/node.json",
    );
    expect(r.problems).toEqual([
      '/etc/node.json: key smeshing.smeshing-start: expected true or false, found "yes"',
      "/etc/node.json: key api.grpc-post-listener: expected a string, found 9094",
      '/etc/node.json: key logging.log-encoder: expected "console" or "json", found "xml"',
    ]);
  });

  it("reports invalid JSON and an unreadable file in one line", async () => {
    expect(parseNodeConfig("{", "/x.json").problems[0]).toMatch(/^\/x\.json: not valid JSON/);
    const dir = tempDir("pd-nc-");
    expect((await readNodeConfig(path.join(dir, "none.json"))).problems).toEqual([
      `cannot read the node config ${path.join(dir, "none.json")}: ENOENT`,
    ]);
    writeFileSync(path.join(dir, "ok.json"), JSON.stringify({ api: { "grpc-post-listener": "127.0.0.1:0" } }));
    expect((await readNodeConfig(path.join(dir, "ok.json"))).config?.listeners.post).toBe("127.0.0.1:0");
  });
});

describe("listener addresses", () => {
  it("parses host:port and URIs", () => {
    expect(parseHostPort("http://127.0.0.1:9094")).toEqual({ host: "127.0.0.1", port: 9094 });
    expect(parseHostPort("[::1]:9094")).toEqual({ host: "::1", port: 9094 });
    expect(parseHostPort("nonsense")).toBeNull();
  });
  it("dials a wildcard bind on loopback and refuses a random port", () => {
    expect(dialTarget("0.0.0.0:9092")).toBe("127.0.0.1:9092");
    expect(dialTarget("127.0.0.1:0")).toBeNull();
  });
  it("knows which client address reaches which listener", () => {
    expect(addressReaches({ host: "localhost", port: 9094 }, { host: "127.0.0.1", port: 9094 })).toBe(true);
    expect(addressReaches({ host: "10.0.0.5", port: 9094 }, { host: "0.0.0.0", port: 9094 })).toBe(true);
    expect(addressReaches({ host: "10.0.0.5", port: 9094 }, { host: "127.0.0.1", port: 9094 })).toBe(false);
    expect(addressReaches({ host: "127.0.0.1", port: 9095 }, { host: "127.0.0.1", port: 9094 })).toBe(false);
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
  });
});
