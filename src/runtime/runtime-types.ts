/** The runtime's public shapes: options, events, status. */
import type { HotswapError } from '../errors.ts';
import type { FatalState, ReloadResult } from '../reload/reload-result.ts';
import type { Clock, Evaluator, SourceReader } from '../runner/seams.ts';
import type { ChangeSet } from '../watch/watcher.ts';

export interface WatchOptions {
  /** Quiet time that ends a burst of saves, ms. The first save of a burst reloads at once. @default 30 */
  settleMs?: number;
  /** Extra ignores: a RegExp on the absolute path, or a path segment / absolute prefix. */
  ignore?: (string | RegExp)[];
  /** Poll instead of fs events (network file systems). @default false */
  usePolling?: boolean;
}

export interface RuntimeOptions {
  /** Project directory: `.hotswap/` lives here. @default process.cwd() */
  root?: string;
  /** Directories whose files are project modules (loaded by the runner, reloadable). @default [root] */
  roots?: string[];
  /** Watch the roots and reload on change. `false`: reload only through `reload()`. @default false */
  watch?: boolean | WatchOptions;
  /** Transform cache directory; `false` keeps it in memory. @default `<root>/.hotswap/cache` */
  cacheDir?: string | false;
  /** `false` runs the app with hot reload off (no watcher, `reload()` does nothing). @default true */
  enabled?: boolean;
  /** Where module sources come from. @default the disk (`diskReader`) */
  reader?: SourceReader;
  /** Time, for timings and the in-place-write wait. @default the system clock */
  clock?: Clock;
  /** Compiles a version's code. @default `vm`, one per runtime (`createVmEvaluator()`) */
  evaluator?: Evaluator;
}

export interface RuntimeEvents {
  'reload:start': { id: number; files: string[] };
  reload: ReloadResult;
  /** An error outside a reload: a throwing dispose/accept handler, a watcher error. */
  error: HotswapError;
  /** File events as the watcher delivered them. */
  change: ChangeSet;
  /** `close()` was called: adapters (the control server) shut down now. */
  close: undefined;
}

export type RuntimeEventName = keyof RuntimeEvents;

export interface ModuleInfo {
  file: string;
  version: number | undefined;
  importers: string[];
  imports: string[];
  lastReloadAt: number | undefined;
  error: string | undefined;
}

/** `fatal`: a module runs no good version (see `FatalState`); `failed`: the last reload failed, the last good versions serve. */
export type RuntimeState = 'running' | 'failed' | 'fatal';

export interface RuntimeStatus {
  state: RuntimeState;
  /** Set while the process runs no good version of a module; cleared by the next good save of it. */
  fatal: FatalState | undefined;
  /** Modules whose last reload failed (they keep their last good version). */
  failing: string[];
}

export interface RuntimeStats {
  state: RuntimeState;
  reloads: number;
  committed: number;
  failed: number;
  skipped: number;
  modules: number;
  cache: { memoryHits: number; diskHits: number; misses: number; rejected: number; codeCacheHits: number };
  versionsAlive: number;
  versionsCollected: number;
}
