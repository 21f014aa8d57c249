// mTLS to the node's grpc-tls-listener: the node requires and verifies a client certificate
// (RequireAndVerifyClientCert); postdeck presents node.grpc.tls {ca, cert, key}.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../../src/spacemesh-wire/spacemesh-proto.js";
import { NodeGrpc } from "../../../src/core/spacemesh/node-grpc.js";
import { tempDir } from "../../helpers/temp-dir.js";

let dir = "";
let server: grpc.Server | null = null;
let address = "";
const ID = Buffer.alloc(32, 0xa1);

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

beforeAll(async () => {
  dir = tempDir("postdeck-tls-");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca"]);
  for (const who of ["server", "client"]) {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who === "server" ? "localhost" : "postdeck"}`]);
    const ext = path.join(dir, `${who}.ext`);
    writeFileSync(ext, who === "server" ? "subjectAltName=DNS:localhost,IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n");
    openssl(["x509", "-req", "-in", `${who}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${who}.pem`, "-days", "2", "-extfile", ext]);
  }
  server = new grpc.Server();
  server.addService(spacemeshV1().PostInfoService!.service, {
    PostStates: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { states: [{ id: ID, state: "PROVING", name: "post1.key" }] }),
  });
  const read = (f: string) => readFileSync(path.join(dir, f));
  const creds = grpc.ServerCredentials.createSsl(read("ca.pem"), [{ cert_chain: read("server.pem"), private_key: read("server.key") }], true);
  const port = await new Promise<number>((resolve, reject) => server!.bindAsync("127.0.0.1:0", creds, (e, p) => (e ? reject(e) : resolve(p))));
  address = `127.0.0.1:${port}`;
});

afterAll(() => {
  server?.forceShutdown();
});

describe("mTLS to the node's TLS listener", () => {
  it("reads PostStates with the client certificate, and fails without it", async () => {
    const f = (n: string) => path.join(dir, n);
    const tls = new NodeGrpc({ public: null, private: null, post: address, tls: { ca: f("ca.pem"), cert: f("client.pem"), key: f("client.key") } }, { deadlineMs: 5000 });
    try {
      expect(await tls.postStates()).toEqual([{ nodeId: "a1".repeat(32), state: "PROVING", name: "post1.key" }]);
    } finally {
      tls.close();
    }
    const plain = new NodeGrpc({ public: null, private: null, post: address }, { deadlineMs: 2000 });
    try {
      await expect(plain.postStates()).rejects.toThrow(/PostInfoService\.PostStates on 127\.0\.0\.1/);
    } finally {
      plain.close();
    }
  });

  it("names the file it cannot read", async () => {
    const c = new NodeGrpc({ public: null, private: null, post: address, tls: { ca: path.join(dir, "missing.pem"), cert: "x", key: "y" } });
    try {
      await expect(c.postStates()).rejects.toThrow(/node\.grpc\.tls\.ca: cannot read .*missing\.pem: ENOENT/);
    } finally {
      c.close();
    }
  });
});
