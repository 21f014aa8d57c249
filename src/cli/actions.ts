import { OperationError } from "./errors.js";

const todo = async (_args: string[]): Promise<number> => {
  throw new OperationError("service actions are not built yet");
};
export const runStart = todo;
export const runStop = todo;
export const runRestart = todo;
