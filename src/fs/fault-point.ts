// Fault injection for crash-safety tests: when POSTDECK_FAULT names this point, the process
// kills itself with SIGKILL right here, as a power cut or `kill -9` would. A no-op otherwise.
export function faultPoint(name: string): void {
  if (process.env.POSTDECK_FAULT === name) process.kill(process.pid, "SIGKILL");
}
