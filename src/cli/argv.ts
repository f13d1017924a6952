/**
 * `hotswap run [flags] <entry> [app args...]`: flags before the entry are
 * hotswap's, everything from the entry on belongs to the app (as with
 * `node [flags] app.js [args]`). cac parses only hotswap's part.
 */

/** Flags of `run` that take a value (the value is not the entry). */
const VALUE_FLAGS = new Set(['--root', '--ignore', '--settle', '--config', '--log-format', '--control-port', '--cache-dir']);

export interface SplitArgv {
  /** argv for cac: `[node, bin, 'run', ...hotswap flags, entry]` */
  own: string[];
  entry: string | undefined;
  appArgs: string[];
}

export function splitRunArgv(argv: readonly string[]): SplitArgv {
  const runIndex = argv.indexOf('run', 2);
  if (runIndex < 0) return { own: [...argv], entry: undefined, appArgs: [] };
  const own = argv.slice(0, runIndex + 1);
  for (let i = runIndex + 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      const entry = argv[i + 1];
      return { own: entry === undefined ? own : [...own, entry], entry, appArgs: argv.slice(i + 2) };
    }
    if (arg.startsWith('-')) {
      own.push(arg);
      if (VALUE_FLAGS.has(arg) && i + 1 < argv.length) own.push(argv[++i] as string);
      continue;
    }
    return { own: [...own, arg], entry: arg, appArgs: argv.slice(i + 1) };
  }
  return { own, entry: undefined, appArgs: [] };
}
