// The bench scripts' command line: `--name value` options and `--name` switches.

/** The value after `--name`, or `def` when it is not given. */
export function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
