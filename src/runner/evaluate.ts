/**
 * Compiles a transformed module into a function with `vm` and names the
 * parameters the runner passes in. The wrapper sits on its own line and the
 * script starts one line early, so generated line numbers match the map.
 */
import type { ModuleVersion } from './module-node.ts';
import { privateSlot } from './private-slot.ts';
import type { ScriptCache } from './script-cache.ts';

export const ESM_PARAMS = [
  '__vite_ssr_exports__',
  '__vite_ssr_import_meta__',
  '__vite_ssr_import__',
  '__vite_ssr_dynamic_import__',
  '__vite_ssr_exportAll__',
  'setTimeout',
  'setInterval',
  'setImmediate',
  '__hotswap_version__',
  '__hotswap_link__',
  '__hotswap_calls__',
  '__hotswap_rebind__',
  '__hotswap_export__',
  '__hotswap_done__',
  '__hotswap_exports__',
  '__hotswap_Promise__',
  '__hotswap_import__',
] as const;

export const CJS_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', 'setTimeout', 'setInterval', 'setImmediate', '__hotswap_version__'] as const;

/**
 * The closure forces `__hotswap_version__` into the module's V8 context, which
 * every function the module creates holds. So the sentinel object passed for
 * it lives exactly as long as anything of that version is reachable: the
 * version tracker watches it to report leaked versions.
 */
const PIN_VERSION = 'void (() => __hotswap_version__);';

export type ModuleFunction = (...args: unknown[]) => unknown;

export interface CompiledModule {
  fn: ModuleFunction;
  /** V8's code cache for this script, to store when none was used (call after the module ran). */
  produceCodeCache: (() => Buffer) | undefined;
  codeCache: 'hit' | 'rejected' | 'none';
}

const ESM_HEAD = `(async function (${ESM_PARAMS.join(', ')}) {"use strict";${PIN_VERSION}`;
const CJS_HEAD = `(function (${CJS_PARAMS.join(', ')}) {${PIN_VERSION}`;
/** One string per transform result: versions re-running the same code compare it by identity (script-cache.ts). */
const wrapped = new WeakMap<object, string>();

/** The script source of a version: the module function around the transformed code. */
export function wrappedSource(version: ModuleVersion): string {
  const { transformed } = version;
  let source = wrapped.get(transformed);
  if (source === undefined) {
    source = `${transformed.format === 'esm' ? ESM_HEAD : CJS_HEAD}\n${transformed.code}\n})`;
    wrapped.set(transformed, source);
  }
  return source;
}

/** Compile a version (or reuse the script of the previous one when its code is the same). */
export function compileModule(version: ModuleVersion, cachedData: Buffer | undefined, scripts: ScriptCache): CompiledModule {
  // A version staged by a reload compiles outside V8's compilation cache (see script-cache.ts).
  const run = scripts.run(version.node.id, version.version, wrappedSource(version), cachedData, version.stagingContext !== undefined);
  const fn = run.fn as ModuleFunction;
  if (run.reused) return { fn, codeCache: 'none', produceCodeCache: undefined };
  const { script } = run;
  const codeCache = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'hit';
  return { fn, codeCache, produceCodeCache: codeCache === 'hit' ? undefined : () => script.createCachedData() };
}

/**
 * The timers module code sees. Timers created while a module's top level runs
 * belong to that version's resource scope (src/resources/): the global timers
 * record into the scope the module runs in, so a package called from top level
 * is covered too. Read at call time: the hooks are installed with the first scope.
 */
export type Timers = readonly [typeof globalThis.setTimeout, typeof globalThis.setInterval, typeof globalThis.setImmediate];

export function trackedTimers(): Timers {
  const { setTimeout: timeout, setInterval: interval, setImmediate: immediate } = globalThis;
  // One tuple while the globals stay the same (every version reads them).
  if (timers[0] !== timeout || timers[1] !== interval || timers[2] !== immediate) timers = [timeout, interval, immediate];
  return timers;
}

let timers: Timers = [globalThis.setTimeout, globalThis.setInterval, globalThis.setImmediate];

const exportDescriptor: { enumerable: true; configurable: true; get: (() => unknown) | undefined } = { enumerable: true, configurable: true, get: undefined };

/**
 * `__hotswap_export__`: an export's getter, as the transform's `Object.defineProperty(exports, name,
 * { enumerable, configurable, get })` defines it, from one shared descriptor (see shortExportGetters).
 */
export function defineExport(exports: object, name: string, get: () => unknown): void {
  exportDescriptor.get = get;
  Object.defineProperty(exports, name, exportDescriptor as PropertyDescriptor);
  // Not held past the call: it would keep the version alive.
  exportDescriptor.get = undefined;
}

/** A module's reader of its constant exports (see shortExportGetters), kept on its exports object. */
const readerSlot = privateSlot<(name: string) => unknown>();

/** `__hotswap_exports__`: the module code hands over the reader of its constant exports. */
export function defineReader(exports: object, reader: (name: string) => unknown): void {
  readerSlot.attach(exports, reader);
}

/** An export as the module code defines it: through its reader, or the exports object (getters, `export *`). */
export function readExportOf(exports: Record<string, unknown>, name: string): unknown {
  const reader = readerSlot.read(exports);
  return reader === undefined ? exports[name] : reader(name);
}

/** Per module exports object: names `export *` added, and the namespace each came from. */
const starNames = new WeakMap<object, Map<string, object | null>>();

/**
 * `export * from` as the module-runner transform calls it. As in Node, a name two
 * star exports provide with different values is ambiguous and left out (`null` marks
 * it, so a third source does not bring it back); a local export always wins.
 */
export function exportAll(exports: Record<string, unknown>, source: unknown, own: ReadonlySet<string>): void {
  if (source === exports || source === null || typeof source !== 'object' || Array.isArray(source)) return;
  let added = starNames.get(exports);
  if (!added) starNames.set(exports, (added = new Map()));
  for (const key in source) {
    if (key === 'default' || key === '__esModule') continue;
    if (added.has(key)) {
      const first = added.get(key);
      if (first && first !== source && !sameBinding(first, source, key)) {
        added.set(key, null);
        delete exports[key];
      }
      continue;
    }
    if (key in exports || own.has(key)) continue;
    added.set(key, source);
    Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => (source as Record<string, unknown>)[key] });
  }
}

/** Two namespaces give the same value for `key` (one binding re-exported twice); a read in its TDZ counts as the same. */
function sameBinding(a: object, b: object, key: string): boolean {
  try {
    return Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
  } catch {
    return true;
  }
}
