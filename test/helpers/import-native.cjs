// Node's own import() (this file is loaded by Node's require, not by vitest's module runner): see
// runCliInProcess in cli.ts.
module.exports = (url) => import(url);
