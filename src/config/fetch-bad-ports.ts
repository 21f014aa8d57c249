// The ports Node's fetch (undici) refuses to connect to, failing with only "bad port": the Fetch
// standard's list of ports of other protocols (X11 6000, IRC 6667, SMTP 25, …) that a browser must
// never send HTTP to. test/config/fetch-bad-ports.test.ts checks this list against Node's own fetch.
// A leaf: config check refuses such a webhook (exit 2), the alert sink explains the refusal when sending.
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/** Where a webhook URL sends, for people: its origin (its path and query may hold a token). */
export function webhookOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "the webhook";
  }
}

/** The port of this URL when Node's fetch refuses it, or null (also for a URL that does not parse). */
export function fetchRefusedPort(url: string): number | null {
  try {
    const port = new URL(url).port;
    return port && FETCH_BAD_PORTS.has(Number(port)) ? Number(port) : null;
  } catch {
    return null;
  }
}

/** What is wrong with such a port and what to do, for people. */
export function refusedPortAdvice(port: number | null): string {
  return `Node's fetch refuses ${port === null ? "this port" : `port ${port}`} ("bad port": the Fetch standard blocks ports of other protocols, such as X11 on 6000); give the receiver another port, e.g. 8080`;
}
