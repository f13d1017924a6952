/**
 * The compiled `vm.Script` of each module's current code, reused when a
 * version runs code that did not change (an importer re-run because a value it
 * read at top level changed). Running a compiled script again only creates a
 * new module function (and so a new V8 context for the new version); compiling
 * it again would cost the parse and, worse, add an entry to V8's compilation
 * cache under the new version's script name. V8 keeps those entries until it
 * is under memory pressure, so an edit that re-ran 1,000 modules grew the heap
 * after GC by ~11 MB per reload (issue 12).
 *
 * New code compiled by a reload skips that cache altogether: V8 keeps an entry (the source,
 * its top-level function and bytecode) for every distinct script until a last-resort GC,
 * which a process far from its heap limit never runs: 500 edits of a 40 KB module held
 * ~30 MB after full GCs. An entry only helps a compile of the very same source and name,
 * which a reload never repeats (this cache reuses the script instead).
 */
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';
import { scriptName } from './source-maps.ts';

interface Entry {
  /** The wrapped source the script was compiled from. */
  source: string;
  script: vm.Script;
  /** The script name it was compiled under (stack traces and source maps use it). */
  name: string;
}

export interface ScriptRun {
  fn: unknown;
  /** The compiled script was reused: no compile, no code cache involved. */
  reused: boolean;
  script: vm.Script;
}

export class ScriptCache {
  /** One entry per file: the last compiled code (what the current or the staged version runs). */
  readonly #byFile = new Map<string, Entry>();

  /** The script name a version of `file` whose wrapped source is `source` runs under. */
  nameFor(file: string, version: number, source: string): string {
    const entry = this.#byFile.get(file);
    return entry && entry.source === source ? entry.name : scriptName(file, version);
  }

  /**
   * Run `source` for a version of `file`: the previous compiled script if the source is the same,
   * else a new one (`reload`: compiled by a reload, outside V8's compilation cache).
   */
  run(file: string, version: number, source: string, cachedData: Buffer | undefined, reload = false): ScriptRun {
    const entry = this.#byFile.get(file);
    if (entry && entry.source === source) return { fn: entry.script.runInThisContext(), reused: true, script: entry.script };
    const name = scriptName(file, version);
    const options = { filename: name, lineOffset: -1, ...(cachedData ? { cachedData } : {}) };
    const script = reload ? compileUncached(source, options) : new vm.Script(source, options);
    const fn = script.runInThisContext();
    this.#byFile.set(file, { source, script, name });
    return { fn, reused: false, script };
  }

  /** The module left the graph. */
  delete(file: string): void {
    this.#byFile.delete(file);
  }
}

/** Whether the process runs with V8's compilation cache on (a `--no-compilation-cache` on the command line stays off). */
const cacheOn = !process.execArgv.includes('--no-compilation-cache');

/** Compile with V8's compilation cache off for this one script (a flag read at each lookup; ~1 µs to switch). */
function compileUncached(source: string, options: vm.ScriptOptions): vm.Script {
  if (!cacheOn) return new vm.Script(source, options);
  setFlagsFromString('--no-compilation-cache');
  try {
    return new vm.Script(source, options);
  } finally {
    setFlagsFromString('--compilation-cache');
  }
}
