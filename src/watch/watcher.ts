import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ERROR_CODES } from '../errors.ts';
import { createChangeBatcher } from './change-batcher.ts';
import type { ChangeSet } from './change-set.ts';
import { createDirectoryWatcher } from './directory-watcher.ts';
import { createIgnoreMatcher } from './ignore.ts';
import { WatchError } from './watch-error.ts';

// This file is the door of src/watch/: the runtime imports the watcher and its types from here.
export type { ChangeSet } from './change-set.ts';
export { DEFAULT_IGNORES } from './ignore.ts';
export { WatchError, isWatchError } from './watch-error.ts';
export type { WatchErrorCode } from './watch-error.ts';

export interface WatcherOptions {
  /** Absolute directories (or files) to watch. */
  roots: string[];
  /**
   * Ignored on top of DEFAULT_IGNORES: a RegExp is tested on the absolute path; a string is a
   * path segment name (e.g. 'dist') or an absolute path prefix. Ignored directories are not
   * descended into.
   */
  ignore?: (string | RegExp)[];
  /**
   * How long a deleted file may take to come back and still count as changed (atomic saves),
   * and the quiet time that ends a batch of events that arrived during a pending onChange.
   * The first save after a quiet period never waits for it.
   * @default 30
   */
  settleMs?: number;
  /**
   * Poll file stats instead of using fs.watch/inotify: for network and container file
   * systems that do not deliver events. Slower (100 ms interval) and heavier.
   * @default false
   */
  usePolling?: boolean;
  /**
   * Receives each change set. Never called again before the promise it returned settles; the
   * events of that time arrive as one set afterwards. A throw or rejection goes to onError and
   * the watcher carries on.
   */
  onChange: (set: ChangeSet) => void | Promise<void>;
  /**
   * Receives a WatchError when onChange fails or the file system watcher reports an error.
   * @default console.error
   */
  onError?: (error: Error) => void;
}

export interface Watcher {
  /** Resolves when the initial scan is done; existing files are not reported. Also resolves on close(). */
  readonly ready: Promise<void>;
  /**
   * Stops watching and releases every fs watcher and timer. Idempotent: returns the same
   * promise each time. onChange is never called after close() was called; a call in progress
   * is not awaited (close() may be called from inside it).
   */
  close(): Promise<void>;
  isClosed(): boolean;
}

interface WatcherConfig {
  readonly roots: readonly string[];
  readonly ignore: readonly (string | RegExp)[];
  readonly settleMs: number;
  readonly usePolling: boolean;
  readonly onChange: (set: ChangeSet) => void | Promise<void>;
  readonly onError: (error: Error) => void;
}

/** what chokidar polled at, and what usePolling documents */
const POLL_INTERVAL_MS = 100;

export function createWatcher(options: WatcherOptions): Watcher {
  const config = normalizeOptions(options);

  const batcher = createChangeBatcher({
    settleMs: config.settleMs,
    deliver: (set) => config.onChange(confirmRemovals(set)),
    onDeliverError: (cause, set) => reportError(onChangeFailed(cause, set)),
  });
  // our own, on fs.watch or polling: see directory-watcher.ts for why not chokidar
  const fsWatcher = createDirectoryWatcher({
    roots: config.roots,
    isIgnored: createIgnoreMatcher(config.roots, config.ignore),
    onEvent: (event, path) => batcher.push(event, path),
    onError: (cause) => reportError(fileSystemFailed(cause)),
    ...(config.usePolling ? { pollIntervalMs: POLL_INTERVAL_MS } : {}),
  });

  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  void fsWatcher.ready.then(resolveReady);

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    if (closing === undefined) {
      batcher.close();
      fsWatcher.close();
      resolveReady();
      closing = Promise.resolve();
    }
    return closing;
  }

  function reportError(error: Error): void {
    try {
      config.onError(error);
    } catch (reportFailure) {
      console.error('[hotswap:watch] onError threw', reportFailure, 'while reporting', error);
    }
  }

  return { ready, close, isClosed: () => closing !== undefined };
}

function normalizeOptions(options: WatcherOptions): WatcherConfig {
  if (options.roots.length === 0) throw new TypeError('[hotswap:watch] roots is empty: pass at least one absolute directory or file');
  for (const root of options.roots) {
    if (!isAbsolute(root)) throw new TypeError(`[hotswap:watch] root "${root}" is not absolute: resolve it first, e.g. path.resolve("${root}")`);
  }
  const settleMs = options.settleMs ?? 30;
  if (!Number.isFinite(settleMs) || settleMs < 0) throw new TypeError(`[hotswap:watch] settleMs must be a finite number ≥ 0, got ${settleMs}`);
  return Object.freeze({
    roots: Object.freeze(options.roots.map((root) => resolve(root))),
    ignore: Object.freeze([...(options.ignore ?? [])]),
    settleMs,
    usePolling: usePollingFromEnv() ?? options.usePolling ?? false,
    onChange: options.onChange,
    onError: options.onError ?? ((error: Error) => console.error(error)),
  });
}

/**
 * CHOKIDAR_USEPOLLING, read as chokidar reads it (it overrides the option both ways). hotswap
 * watched through chokidar until it got its own watcher, and containers set this variable to
 * make file watching work at all: it keeps working.
 */
function usePollingFromEnv(): boolean | undefined {
  const value = process.env['CHOKIDAR_USEPOLLING']?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'false' || value === '0') return false;
  return value !== '';
}

/**
 * A removal is reported only if the file is really gone at delivery time. Events can arrive out
 * of order (a stat started before the delete, a re-create seen late); the file system has the
 * last word. One stat per removed path, and plain saves carry none.
 */
function confirmRemovals(set: ChangeSet): ChangeSet {
  if (set.removed.length === 0) return set;
  const back = set.removed.filter(isFileNow);
  if (back.length === 0) return set;
  return {
    changed: [...set.changed, ...back].sort(),
    added: set.added,
    removed: set.removed.filter((path) => !back.includes(path)),
  };
}

function isFileNow(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false; // ENOTDIR, EACCES: not a file we can reload
  }
}

function onChangeFailed(cause: unknown, set: ChangeSet): WatchError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new WatchError(
    ERROR_CODES.WATCH_ON_CHANGE_FAILED,
    `[hotswap:watch] onChange failed for ${describe(set)}: ${reason}. ` +
      'The watcher keeps running and will deliver the next change; catch inside onChange to handle a failed reload yourself.',
    { cause, changeSet: set },
  );
}

function fileSystemFailed(cause: unknown): WatchError {
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
  const reason = cause instanceof Error ? cause.message : String(cause);
  const hint =
    code === 'ENOSPC' || code === 'EMFILE'
      ? 'The OS limit on watched files is reached: raise fs.inotify.max_user_watches (Linux) or add ignores for generated folders.'
      : 'Changes under the affected path may be missed; on network or container file systems try usePolling: true.';
  return new WatchError(ERROR_CODES.WATCH_FS_FAILED, `[hotswap:watch] file watching failed: ${reason}. ${hint}`, { cause });
}

function describe(set: ChangeSet): string {
  const paths = [...set.changed, ...set.added, ...set.removed];
  const shown = paths.slice(0, 3).map((path) => relative(process.cwd(), path) || path);
  const more = paths.length > shown.length ? `, and ${paths.length - shown.length} more` : '';
  return `${paths.length} file${paths.length === 1 ? '' : 's'} (${shown.join(', ')}${more})`;
}
