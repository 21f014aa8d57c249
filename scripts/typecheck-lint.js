#!/usr/bin/env node
// The type check of src/ and test/ (tsconfig.test.json, as `tsc -p tsconfig.test.json`) and the
// linter (eslint src test, eslint.config.js) in one process, over ONE TypeScript program: the
// type-aware lint rules get the program the type check built (typescript-eslint's
// parserOptions.programs) instead of building their own from the same tsconfig — the same parse,
// bind and type check, ~25-35 s of one core, done twice before. What each reports is unchanged:
// tsc's diagnostics, then eslint's "stylish" output; exit 1 when either found an error.
//
// The type check is incremental through .tmp/tsbuildinfo-test, as `npm run typecheck` (a second
// run checks only what changed). ESLint's cache is not used here: it keys results by the config,
// which now holds the program (`npm run lint` keeps its cache).
import ts from "typescript";
import { ESLint } from "eslint";

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => ts.sys.newLine };
const configDiagnostics = [];
const config = ts.getParsedCommandLineOfConfigFile("tsconfig.test.json", undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => configDiagnostics.push(d),
});
if (!config) {
  process.stdout.write(ts.formatDiagnostics(configDiagnostics, host));
  process.exit(1);
}
const builder = ts.createIncrementalProgram({
  rootNames: config.fileNames,
  options: config.options,
  projectReferences: config.projectReferences,
  configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
});
const diagnostics = [
  ...builder.getConfigFileParsingDiagnostics(),
  ...builder.getOptionsDiagnostics(),
  ...builder.getGlobalDiagnostics(),
  ...builder.getSyntacticDiagnostics(),
];
if (diagnostics.length === 0) diagnostics.push(...builder.getSemanticDiagnostics());
builder.emit(); // noEmit: writes only the .tsbuildinfo
const typeErrors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
process.stdout.write(ts.formatDiagnostics(ts.sortAndDeduplicateDiagnostics(diagnostics), host));
process.stdout.write(`typecheck: ${typeErrors ? `${typeErrors} error(s)` : "ok"} (${seconds()})\n`);

const eslint = new ESLint({ overrideConfig: { languageOptions: { parserOptions: { programs: [builder.getProgram()] } } } });
const results = await eslint.lintFiles(["src", "test"]);
const lintErrors = results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0);
const formatter = await eslint.loadFormatter("stylish");
process.stdout.write(await formatter.format(results));
process.stdout.write(`lint: ${lintErrors ? `${lintErrors} error(s)` : "ok"} (${seconds()})\n`);
process.exit(typeErrors || lintErrors ? 1 : 0);
