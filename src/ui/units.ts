// Numbers for people: they live in src/presentation (shared with the CLI); this name stays for
// the modules that import it from here.
export * from "../presentation/units.js";
