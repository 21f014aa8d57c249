// `postcli -printProviders`: go-spew's dump of []postrs.Provider (one simulated GPU, then the CPU provider).

export const CPU_PROVIDER_ID = 4294967295;
export const SIM_GPU_MODEL = "[GPU] Postdeck Sim/Simulated OpenCL Device";

export interface Provider {
  id: number;
  model: string;
  deviceType: "GPU" | "CPU";
}

export function simProviders(withGpu = true): Provider[] {
  const list: Provider[] = [];
  if (withGpu) list.push({ id: 0, model: SIM_GPU_MODEL, deviceType: "GPU" });
  list.push({ id: CPU_PROVIDER_ID, model: "[CPU] scrypt-jane", deviceType: "CPU" });
  return list;
}

export function spewProviders(list: Provider[]): string {
  const items = list.map(
    (p) =>
      ` (postrs.Provider) {\n  ID: (uint32) ${p.id},\n  Model: (string) (len=${Buffer.byteLength(p.model)}) ${JSON.stringify(p.model)},\n  DeviceType: (postrs.DeviceClass) ${p.deviceType}\n }`,
  );
  return `([]postrs.Provider) (len=${list.length} cap=${list.length}) {\n${items.join(",\n")}\n}\n`;
}
