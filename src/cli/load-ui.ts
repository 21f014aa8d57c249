// How a command loads a console's code (Ink and React): the one place for what that needs.

/**
 * Imports UI code (`load`) as a console wants it:
 * - React's production build unless NODE_ENV says otherwise: the development build costs several
 *   times the CPU per frame;
 * - with the global `fetch` hidden while the import runs: Ink's layout engine (yoga-layout) builds its
 *   WebAssembly from bytes embedded in its module, and its loader fetches that data: URL whenever a
 *   `fetch` exists, which loads Node's HTTP client (undici) for that alone, ~45 ms of CPU per console
 *   start; with none it decodes the same bytes itself. Nothing else in a console process uses fetch
 *   while it loads, and the global is back before this returns.
 */
export async function loadUi<T>(load: () => Promise<T>): Promise<T> {
  process.env["NODE_ENV"] ??= "production";
  const fetch = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  const hide = fetch?.configurable === true;
  if (hide) delete (globalThis as { fetch?: unknown }).fetch;
  try {
    return await load();
  } finally {
    if (hide) Object.defineProperty(globalThis, "fetch", fetch);
  }
}
