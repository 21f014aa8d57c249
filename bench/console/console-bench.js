export async function runConsoleBench() { throw new Error("not built yet"); }
