// host:port addresses of the node's gRPC listeners and of a post-service's --address
// (`http://127.0.0.1:9094`): parsing, loopback and "random port" checks, and where to dial.

export interface HostPort {
  host: string; // without brackets for IPv6
  port: number;
}

/** `host:port`, `[v6]:port` or a URI `http(s)://host:port[/]`; null when it is none of these. */
export function parseHostPort(text: string): HostPort | null {
  const s = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/+$/, "");
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s/]*):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1]!, port };
}

export function isWildcardHost(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::" || host === "[::]";
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Address to dial for a listen address: a wildcard bind is reached on loopback. null for port 0. */
export function dialTarget(listen: string): string | null {
  const hp = parseHostPort(listen);
  if (!hp || hp.port === 0) return null;
  const host = isWildcardHost(hp.host) ? "127.0.0.1" : hp.host;
  return host.includes(":") ? `[${host}]:${hp.port}` : `${host}:${hp.port}`;
}

/** Would a client dialing `dial` reach a server listening on `listen`? (port equal, host compatible) */
export function addressReaches(dial: HostPort, listen: HostPort): boolean {
  if (dial.port !== listen.port) return false;
  if (isWildcardHost(listen.host)) return true;
  if (isLoopbackHost(listen.host)) return isLoopbackHost(dial.host);
  return dial.host.toLowerCase() === listen.host.toLowerCase();
}
