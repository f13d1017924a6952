/**
 * Compiles a transformed module into a function with `vm` and names the
 * parameters the runner passes in. The wrapper sits on its own line and the
 * script starts one line early, so generated line numbers match the map.
 */
import vm from 'node:vm';
import type { ModuleVersion } from './module-node.ts';
import { scriptName } from './source-maps.ts';

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

export function compileModule(instance: ModuleVersion, cachedData: Buffer | undefined): CompiledModule {
  const { transformed } = instance;
  const esm = transformed.format === 'esm';
  const params = (esm ? ESM_PARAMS : CJS_PARAMS).join(', ');
  const head = esm ? `(async function (${params}) {"use strict";${PIN_VERSION}` : `(function (${params}) {${PIN_VERSION}`;
  const source = `${head}\n${transformed.code}\n})`;
  const script = new vm.Script(source, {
    filename: scriptName(instance.node.id, instance.version),
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  const fn = script.runInThisContext() as ModuleFunction;
  const codeCache = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'hit';
  return { fn, codeCache, produceCodeCache: codeCache === 'hit' ? undefined : () => script.createCachedData() };
}

/** Timers created while a module evaluates belong to that version and are cleared when it is disposed. */
export function trackedTimers(instance: ModuleVersion): [typeof setTimeout, typeof setInterval, typeof setImmediate] {
  const track = <T extends NodeJS.Timeout | NodeJS.Immediate>(handle: T): T => {
    if (instance.evaluatingTopLevel) instance.timers.add(handle);
    return handle;
  };
  const timeout = ((...args: Parameters<typeof setTimeout>) => track(setTimeout(...args))) as typeof setTimeout;
  const interval = ((...args: Parameters<typeof setInterval>) => track(setInterval(...args))) as typeof setInterval;
  const immediate = ((...args: Parameters<typeof setImmediate>) => track(setImmediate(...args))) as typeof setImmediate;
  return [timeout, interval, immediate];
}

/** `export * from` as the module-runner transform calls it. */
export function exportAll(exports: Record<string, unknown>, source: unknown): void {
  if (source === exports || source === null || typeof source !== 'object' || Array.isArray(source)) return;
  for (const key in source) {
    if (key === 'default' || key === '__esModule' || key in exports) continue;
    Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => (source as Record<string, unknown>)[key] });
  }
}
