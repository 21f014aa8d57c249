import { OperationError } from "./errors.js";

export async function run(_args: string[]): Promise<number> {
  throw new OperationError("'tui' is not built yet");
}
