import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeScheduler } from './scheduler.ts';
import type { Cancel, Scheduler } from './scheduler.ts';

/**
 * Q: Why look at chokidar's raw events at all?
 * A: chokidar 5 drops every `change` of a path for 50 ms after it reported one
 *    (`FSWatcher#_emit` → `_throttle('change', path, 50)`), and its fs.watch listener drops
 *    events for 5 ms (`_throttle('watch', file, 5)`). Nothing is re-emitted when the window
 *    ends, so a second save within 50 ms of the first is lost: measured, a save 10 ms after
 *    another produced raw inotify events and no `change`. It is the lost save DESIGN.md
 *    measures in Vite, which uses chokidar. The raw `fs.watch` events before the throttle are
 *    complete, so while a path's window is open the guard re-reports them, once a stat has
 *    confirmed that a file is there (a raw 'rename' also fires on delete).
 *
 * Outside the window chokidar reports changes itself, so raw events are ignored there: one
 * save yields one report, not two. The window opens synchronously right after chokidar armed
 * its own throttle timer, with at least the same length, so it closes after chokidar's does
 * (timers of equal delay fire in creation order).
 *
 * Polling needs no guard: fs.watchFile fires at most once per interval (100 ms), longer than
 * the throttle.
 */
export interface LostSaveGuardOptions {
  /** must cover chokidar's change throttle (50 ms) */
  windowMs: number;
  /** a file may have changed without chokidar saying so */
  report: (path: string) => void;
  /** @default nodeScheduler */
  scheduler?: Scheduler;
  /** @default fs.promises.stat(path).isFile(), false on any error */
  isFile?: (path: string) => Promise<boolean>;
}

export interface LostSaveGuard {
  /** chokidar just reported add/change for `path`: its throttle for that path starts now */
  open(path: string): void;
  /** chokidar reported `path` gone */
  forget(path: string): void;
  /** listener for chokidar's 'raw' event: (event, path as fs.watch gave it, { watchedPath }) */
  onRaw(rawEvent: string, eventPath: string | null, details: unknown): void;
  close(): void;
}

export function createLostSaveGuard(options: LostSaveGuardOptions): LostSaveGuard {
  const { windowMs, report } = options;
  const scheduler = options.scheduler ?? nodeScheduler;
  const isFile = options.isFile ?? defaultIsFile;
  /** paths inside chokidar's throttle window → closes the window */
  const windows = new Map<string, Cancel>();
  /** paths with a stat in flight; its report covers every raw event that arrived meanwhile */
  const verifying = new Set<string>();
  let closed = false;

  function open(path: string): void {
    if (closed) return;
    windows.get(path)?.();
    windows.set(path, scheduler.later(() => windows.delete(path), windowMs));
  }

  function forget(path: string): void {
    windows.get(path)?.();
    windows.delete(path);
  }

  function onRaw(_rawEvent: string, eventPath: string | null, details: unknown): void {
    if (closed || windows.size === 0) return;
    const watchedPath = watchedPathOf(details);
    if (watchedPath === undefined) return;
    // a file's own fs.watch reports (file, basename); its directory's reports (dir, basename)
    if (windows.has(watchedPath)) verify(watchedPath);
    if (eventPath !== null) {
      const child = join(watchedPath, eventPath);
      if (child !== watchedPath && windows.has(child)) verify(child);
    }
  }

  function verify(path: string): void {
    if (verifying.has(path)) return;
    verifying.add(path);
    void isFile(path).then((exists) => {
      verifying.delete(path);
      if (exists && !closed) report(path);
    });
  }

  function close(): void {
    closed = true;
    for (const cancel of windows.values()) cancel();
    windows.clear();
  }

  return { open, forget, onRaw, close };
}

function watchedPathOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null || !('watchedPath' in details)) return undefined;
  return typeof details.watchedPath === 'string' ? details.watchedPath : undefined;
}

async function defaultIsFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
