// Fixed values of the simulated network.
import crypto from "node:crypto";

/** The golden ATX id ActivationService.Highest returns (no ATX known): the commitment for new identities. */
export const GOLDEN_ATX = crypto.createHash("sha256").update("postdeck-sim-golden-atx").digest();
export const NODE_VERSION = "v1.7.6";
export const NODE_BUILD = "postdeck-sim";
export const NODE_COMMIT = "158fac3";
/** The simulated network's genesis id (20 bytes, hex), as the App version line shows it. */
export const GENESIS_ID = crypto.createHash("sha256").update("postdeck-sim-genesis").digest("hex").slice(0, 40);
