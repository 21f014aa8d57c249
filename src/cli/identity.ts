import { OperationError } from "./errors.js";

export async function run(_args: string[]): Promise<number> {
  throw new OperationError("'identity' is not built yet");
}
