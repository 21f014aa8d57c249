// A service's restart policy: in the config (src/config/schema.ts) and in every ServiceView
// (model.ts). Its own module so that loading the config does not build the protocol's schemas.
import * as z from "zod";

export const RestartPolicySchema = z.enum(["on-failure", "always", "never"]);
export type RestartPolicy = z.infer<typeof RestartPolicySchema>;
