/**
 * The runtime an app runs under. `hotswap run` publishes its runtime here so
 * that the app it runs can embed a plugin host in it. The slot lives on
 * `globalThis` under a `Symbol.for` key: the CLI may run from dist/ while the
 * app imports hotswap from src/ (or from another copy of the package).
 */
import type { Runtime } from '../runtime/runtime.ts';

const SLOT = Symbol.for('hotswap.runtime');

type Holder = Record<symbol, Runtime | undefined>;

/** Make `runtime` the one `currentRuntime()` returns; returns the disposer. */
export function publishRuntime(runtime: Runtime): () => void {
  const holder = globalThis as unknown as Holder;
  holder[SLOT] = runtime;
  return () => {
    if (holder[SLOT] === runtime) holder[SLOT] = undefined;
  };
}

/** The runtime of `hotswap run` in this process, if the app runs under it. */
export function currentRuntime(): Runtime | undefined {
  const runtime = (globalThis as unknown as Holder)[SLOT];
  return runtime && !runtime.isClosed() ? runtime : undefined;
}
