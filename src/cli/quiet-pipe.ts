// `postdeck logs X | head`: once the reader has gone, writing to stdout fails with EPIPE. That is
// how a pipeline ends, not an error: stop quietly (exit 0) instead of printing a stack trace.
export function exitQuietlyOnEpipe(cleanup: () => void, stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    cleanup();
    process.exit(0);
  });
}
