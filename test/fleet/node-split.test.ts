// node-split (go-spacemesh's beta topology): a `go-spacemesh smeshing` service holds the keys and
// the post listener and talks to a passive node. For postdeck it is one more post listener: the
// post-services dial the smeshing service (node.grpc.post), the node's public/private API is the
// passive node's, and node.config names the smeshing service's JSON config (its post listener,
// coinbase and smeshing-start are the ones that matter to the services). docs/node-split.md.
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { buildPostServiceArgs } from "../../src/core/supervisor/post-service-argv.js";
import { parseNodeConfig } from "../../src/core/spacemesh/node-config.js";
import { computeFindings } from "../../src/core/spacemesh/findings.js";
import { healthyRig } from "../core/spacemesh/rig-input.js";

const SMESHING_CONFIG = JSON.stringify({
  smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqqqqxyz" },
  api: { "grpc-post-listener": "127.0.0.1:9194", "grpc-public-listener": "127.0.0.1:9192", "grpc-private-listener": "127.0.0.1:9193" },
});
const PASSIVE_NODE_CONFIG = JSON.stringify({ api: { "grpc-public-listener": "127.0.0.1:9092", "grpc-private-listener": "127.0.0.1:9093" } });

const rigYaml = [
  "rig: split",
  "node:",
  "  dataFolder: /srv/smeshing/data # the smeshing service's: identities/ lives there",
  "  config: /srv/smeshing/config.json",
  "  grpc:",
  "    public: 127.0.0.1:9092 # the passive node",
  "    private: 127.0.0.1:9093",
  "    post: 127.0.0.1:9194 # the smeshing service's post listener",
  "services:",
  "  - name: s1",
  "    dir: /pos/s1",
].join("\n");

describe("node-split: post-services connected to a go-spacemesh smeshing service", () => {
  it("the services dial the smeshing service's post listener; node status comes from the passive node", () => {
    const c = parseConfigText(rigYaml, "/etc/postdeck.yaml", { hostname: "h" });
    expect(c.node.grpc).toMatchObject({ public: "127.0.0.1:9092", private: "127.0.0.1:9093", post: "127.0.0.1:9194" });
    const argv = buildPostServiceArgs(c.services[0]!, c.node.grpc.post, "127.0.0.1:50051");
    expect(argv.ok && argv.args.slice(0, 2)).toEqual(["--address", "http://127.0.0.1:9194"]);
  });

  it("with node.config = the smeshing service's config, the post listener checks pass (no finding)", () => {
    const { input } = healthyRig();
    const smeshing = parseNodeConfig(SMESHING_CONFIG, "/srv/smeshing/config.json");
    expect(smeshing.problems).toEqual([]);
    input.nodeConfig = smeshing.config;
    input.coinbase = smeshing.config!.coinbase;
    input.postAddresses = input.postAddresses.map((a) => ({ ...a, address: "http://127.0.0.1:9194" }));
    expect(computeFindings(input).filter((f) => /post-listener|coinbase/.test(f.id))).toEqual([]);
  });

  it("with node.config = the passive node's config, postdeck says its post listener is not the one (why the smeshing service's is named)", () => {
    const { input } = healthyRig();
    input.nodeConfig = parseNodeConfig(PASSIVE_NODE_CONFIG, "/srv/node/config.json").config;
    input.postAddresses = input.postAddresses.map((a) => ({ ...a, address: "http://127.0.0.1:9194" }));
    const ids = computeFindings(input).map((f) => f.id);
    expect(ids).toContain("post-listener-random");
  });
});
