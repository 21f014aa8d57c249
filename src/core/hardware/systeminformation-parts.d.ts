// Types for the parts of systeminformation that system-sources.ts imports one by one (the package
// ships types for its index only). Each lib/*.js exports the same functions as the index.
declare module "systeminformation/lib/cpu.js" {
  import type si from "systeminformation";
  export const cpu: typeof si.cpu;
  export const cpuTemperature: typeof si.cpuTemperature;
}
declare module "systeminformation/lib/memory.js" {
  import type si from "systeminformation";
  export const mem: typeof si.mem;
}
declare module "systeminformation/lib/filesystem.js" {
  import type si from "systeminformation";
  export const fsSize: typeof si.fsSize;
}
declare module "systeminformation/lib/graphics.js" {
  import type si from "systeminformation";
  export const graphics: typeof si.graphics;
}
