// Reading a file that must be a regular file (a key, PoS metadata) without ever blocking: opened
// non-blocking, checked with fstat, refused when it is a FIFO, socket, device or directory. A
// plain read of a FIFO waits for a writer forever and holds one of libuv's few threads meanwhile,
// so a few requests for such a file would stall every file operation of the daemon.
import { constants, promises as fs } from "node:fs";

/** What a non-regular file is, for messages. */
function kind(st: { isFIFO(): boolean; isSocket(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** Thrown for a file that is not regular or too large; `code` is "ENOTREG" or "EFBIG". */
export class NotRegularFileError extends Error {
  constructor(
    readonly file: string,
    readonly code: "ENOTREG" | "EFBIG",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The content of `file`, a regular file of at most `maxBytes` (default 1 MiB). Rejects with
 * NotRegularFileError when it is anything else, and with the usual errno error (ENOENT, EACCES...)
 * when it cannot be opened.
 */
export async function readRegularFile(file: string, o: { maxBytes?: number } = {}): Promise<Buffer> {
  const fh = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new NotRegularFileError(file, "ENOTREG", `${file} is ${kind(st)}, not a regular file; expected a regular file: remove or replace it`);
    const max = o.maxBytes ?? 1 << 20;
    if (st.size > max) throw new NotRegularFileError(file, "EFBIG", `${file} is ${st.size} bytes, more than the ${max} such a file can hold; expected the file postdeck reads here`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
