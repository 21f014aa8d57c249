// Limits the config is checked against, beyond types: what would fail later at run time.
import net from "node:net";

/** The longest delay a Node timer takes (2^31−1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** MAX_TIMER_MS in whole seconds, for the fields given in seconds. */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);
/** A service name: also a key file name (NAME.key), at most 64 characters. */
export const MAX_SERVICE_NAME = 64;

function splitHostPort(addr: string): { host: string; port: string } | null {
  const m = /^\[([^\]]*)\]:(\d+)$/.exec(addr) ?? /^([^:[\]]*):(\d+)$/.exec(addr);
  return m ? { host: m[1]!, port: m[2]! } : null;
}

/** The port of a host:port is 1..65535. */
export function portInRange(addr: string): boolean {
  const hp = splitHostPort(addr);
  if (!hp) return false;
  const port = Number(hp.port);
  return port >= 1 && port <= 65535;
}

/** IP:port (a Rust SocketAddr, as post-service's --operator-address wants): a real IPv4/IPv6 address and a port 1..65535. */
export function isSocketAddr(addr: string): boolean {
  const hp = splitHostPort(addr);
  if (!hp || !portInRange(addr)) return false;
  return addr.startsWith("[") ? net.isIPv6(hp.host) : net.isIPv4(hp.host);
}
