import { readdirSync, realpathSync, statSync, unwatchFile, watch, watchFile } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { FileEvent } from './change-set.ts';

/**
 * hotswap's file system watcher: file events for the files under the roots, from one
 * non-recursive `fs.watch` per directory, or, with `pollIntervalMs`, from `fs.watchFile`
 * (one poller per directory and per file).
 *
 * Q: Why not chokidar?
 * A: chokidar 5 (fs.watch mode) re-reads the whole directory on every event of its
 *    fs.watch, plain content changes included (`NodeFsHandler._handleDir` → `_handleRead`:
 *    a readdir plus a stat and an ignore test per entry, throttled to one per second plus one
 *    trailing). Measured with bare chokidar: ~39 ms of main-thread work per save in a
 *    directory of 1,000 files, ~7 ms at 100, ~3 ms at 10; it landed between the save, the
 *    reload and the response. bench/reload-latency.ts, 1,000 modules in one directory, save →
 *    new response: median 11.5–16.6 ms (across runs) with chokidar, against ~5–8 ms for the
 *    same modules 50 to a directory. And chokidar drops every `change` of a path within 50 ms
 *    of the one before (`_throttle('change', path, 50)`), which took a guard of raw events
 *    to undo in fs.watch mode (the former lost-save-guard.ts), and which loses saves in
 *    polling mode too: under load, fs.watchFile's polls of one file bunch up (seen in
 *    test/watch: a poll 43 ms after the previous change saw the second save, and chokidar
 *    emitted nothing).
 *    Here, with fs.watch, a `change` of a known file is reported as it is: no stat, no
 *    readdir. A `rename` costs one stat; a directory is read only when it appears. Nothing is
 *    throttled, so no save is lost. After the switch (same machine, A/B, two runs each):
 *    1,000 modules in one directory, save → new response median 3.9–5.7 ms (was 11.1–14.6),
 *    write → reload start 0.4–0.8 ms (was 5.1–5.3); CPU per save in a 1,000-file directory
 *    0.7 ms (was 60 ms, threads included); initial scan of 1,000 files 7–9 ms (was 80–96).
 *    Polling: a save is seen after 19.6 ms median, as with chokidar (20.2).
 *
 * How fs.watch events map (inotify, FSEvents and ReadDirectoryChangesW all name the entry):
 * - 'change' of a known file → change. Of a known subdirectory (its attributes) → nothing.
 * - 'rename', or a 'change' of an unknown name → one stat: a file is an add (a change if it
 *   was known: a rename over it, i.e. an atomic save); a new directory is read and watched,
 *   its files added; nothing there → the known file is unlinked, or the known directory's
 *   handles are closed and every file under it unlinked.
 * - Linux reports the watched directory's own deletion or move as a 'rename' of its own name;
 *   a 'rename' of the directory's basename therefore also checks the directory itself.
 * - An 'error' of a handle whose directory is gone (EPERM on Windows) is that directory's
 *   removal; any other error goes to onError and the rest keeps running.
 *
 * Polling (file systems that deliver no events): a file whose mtime, ctime, size or inode
 * moved is a change, one that vanished is settled with a stat; a directory whose stats moved
 * (an entry came or went) is read again, and each name that came or went is settled as for a
 * 'rename'. fs.watchFile compares in libuv, so an idle round costs no JavaScript (measured,
 * 1,000 files at 100 ms: 5 % of a core, as chokidar; rounds of fs.promises.stat took 20 %).
 * Its baseline stat is taken asynchronously, after the file was found: a write in between
 * is never reported by it. So what appears later is checked once more one interval after it
 * was found (a directory is read again, a file compared with the stats it was found with),
 * and `ready` waits one interval after the initial walk, then reads every directory again.
 *
 * Both: a root that is a file, or that does not exist yet, is watched through its parent
 * directory with a filter on its name; a root directory that is deleted is waited for the
 * same way. Symbolic links are followed (as chokidar did): a link to a file is a file of its
 * directory (with fs.watch, edits of the target are seen only if its directory is watched
 * too); a link to a directory is watched, unless it leads back to a directory above it.
 */
export interface DirectoryWatcherOptions {
  /** absolute, resolved: directories or files */
  readonly roots: readonly string[];
  /** true for paths (files and directories) that are not watched */
  readonly isIgnored: (path: string) => boolean;
  /** one file event for an absolute path, never a directory; files present at start are not reported */
  readonly onEvent: (event: FileEvent, path: string) => void;
  /** a file system error; the watcher keeps running */
  readonly onError: (cause: unknown) => void;
  /** poll with fs.watchFile at this interval instead of using fs.watch */
  readonly pollIntervalMs?: number;
  /** @default nodeFs */
  readonly fs?: DirectoryWatcherFs;
}

export interface DirectoryWatcher {
  /** resolves after the initial walk (polling: one interval later, see there) or on close(); never rejects */
  readonly ready: Promise<void>;
  /** releases every handle; no event is reported once it was called */
  close(): void;
}

/**
 * The file system calls the watcher makes. Injectable so that tests can count them (a plain
 * save must cost no stat and no readdir) and reach the handles (to make one fail).
 */
export interface DirectoryWatcherFs {
  /** a non-recursive, persistent fs.watch of a directory; may throw */
  watch(dir: string, listener: (eventType: string, filename: string | null) => void): WatchHandle;
  /** a persistent fs.watchFile; the listener runs when the stats change (zeroed: gone) */
  poll(path: string, intervalMs: number, listener: (current: Stats, previous: Stats) => void): WatchHandle;
  /** may throw */
  readdir(dir: string): Dirent[];
  /** follows links; undefined when nothing is there; may throw (EACCES, ELOOP) */
  stat(path: string): Stats | undefined;
  /** may throw */
  realpath(path: string): string;
}

export interface WatchHandle {
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

export const nodeFs: DirectoryWatcherFs = Object.freeze({
  // persistent (not unref'd), as chokidar's handles were: the host is a server, and close() ends them
  watch: (dir: string, listener: (eventType: string, filename: string | null) => void): WatchHandle =>
    watch(dir, { persistent: true }, listener),
  poll(path: string, intervalMs: number, listener: (current: Stats, previous: Stats) => void): WatchHandle {
    const poller = watchFile(path, { persistent: true, interval: intervalMs }, listener);
    return {
      on: (event: 'error', onError: (error: Error) => void) => poller.on(event, onError),
      // Node shares one poller per path across the process: remove this listener only
      close: () => unwatchFile(path, listener),
    };
  },
  readdir: (dir: string) => readdirSync(dir, { withFileTypes: true }),
  stat: (path: string) => statSync(path, { throwIfNoEntry: false }),
  realpath: (path: string) => realpathSync.native(path),
});

interface WatchedDir {
  readonly path: string;
  /** its real path: a linked directory that leads back to one of these is not entered */
  readonly real: string;
  /** its fs.watch handle, or its poller */
  readonly handle: WatchHandle;
  /** names of the files in it, as reported; polling: each with its poller */
  readonly files: Map<string, WatchHandle | undefined>;
  /** names of the subdirectories in it that are watched */
  readonly dirs: Set<string>;
  /** the parent of roots that are files or missing: only these names count; undefined: all */
  only: Set<string> | undefined;
}

export function createDirectoryWatcher(options: DirectoryWatcherOptions): DirectoryWatcher {
  const { roots, isIgnored, onEvent, onError, pollIntervalMs } = options;
  const fs = options.fs ?? nodeFs;
  /** by absolute path */
  const watched = new Map<string, WatchedDir>();
  /** ENOSPC and EMFILE are reported once: past the limit, every further directory fails alike */
  const limitsReported = new Set<string>();
  let closed = false;
  /** the initial walk is done */
  let started = false;
  /** polling: the second looks at what appeared (see above) */
  const timers = new Set<NodeJS.Timeout>();

  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  // after createWatcher() returned: onError may already use the watcher
  queueMicrotask(() => {
    if (!closed) start();
    started = true;
    if (pollIntervalMs === undefined) return resolveReady();
    // Q: Why does polling wait one more interval?
    // A: Until fs.watchFile has its baseline, a write is lost (with chokidar, measured: 5 of
    //    20 writes made right after its 'ready' were lost, none after a 5 ms wait). Also,
    //    file times have the kernel clock tick as resolution (4 ms here): a save of the same
    //    size within the tick of the file's previous write looks like no change at all.
    //    Reading every directory again then finds what was created while the walk ran.
    later(() => {
      // a copy: what reconcile() adds is read by its own walk already
      for (const dir of Array.from(watched.values())) if (isCurrent(dir)) reconcile(dir);
      resolveReady();
    });
  });

  function start(): void {
    const pending: string[] = [];
    for (const root of roots) {
      if (isIgnored(root)) continue;
      if (statQuiet(root)?.isDirectory()) watchTree(root, false, realpathQuiet(root) ?? root);
      else pending.push(root);
    }
    // after the directories: a file root inside a watched directory needs nothing more
    for (const root of pending) watchThroughParent(root);
  }

  /** Watches `path` and everything below it; reports the files found if `report`. */
  function watchTree(path: string, report: boolean, real: string): void {
    let dir = watched.get(path);
    if (dir !== undefined && dir.only === undefined) return; // watched already
    if (dir === undefined) {
      dir = open(path, real, undefined);
      if (dir === undefined) return;
    } else {
      dir.only = undefined; // a root's parent until now: from now on all of it counts
    }
    let entries: Dirent[];
    try {
      // after the handle is open: an entry created meanwhile is in the listing or in an event
      entries = fs.readdir(path);
    } catch (error) {
      // gone already (its parent's event for it follows), or unreadable
      if (!isGone(error)) fail(error);
      return dropTree(path);
    }
    for (const entry of entries) {
      const name = entry.name;
      if (dir.files.has(name) || dir.dirs.has(name)) continue;
      const child = join(path, name);
      if (isIgnored(child)) continue;
      if (entry.isFile()) {
        addFile(dir, name, report);
      } else if (entry.isDirectory()) {
        addDir(dir, name, report, join(dir.real, name));
      } else if (entry.isSymbolicLink()) {
        const target = statQuiet(child);
        if (target?.isFile()) addFile(dir, name, report, target);
        else if (target?.isDirectory()) addLinkedDir(dir, name, report);
      }
    }
  }

  /** A root that is a file or does not exist: its parent is watched for that name alone. */
  function watchThroughParent(root: string): void {
    const parentPath = dirname(root);
    if (parentPath === root) return;
    let parent = watched.get(parentPath);
    if (parent === undefined) {
      if (!statQuiet(parentPath)?.isDirectory()) return; // nothing to wait in
      parent = open(parentPath, realpathQuiet(parentPath) ?? parentPath, new Set());
      if (parent === undefined) return;
    }
    if (parent.only === undefined) return; // watched in full: the root is covered
    const name = basename(root);
    parent.only.add(name);
    if (parent.files.has(name) || parent.dirs.has(name)) return;
    const stats = statQuiet(root);
    if (stats?.isFile()) addFile(parent, name, false, stats);
    else if (stats?.isDirectory()) addLinkedDir(parent, name, false);
  }

  function open(path: string, real: string, only: Set<string> | undefined): WatchedDir | undefined {
    let handle: WatchHandle;
    try {
      handle =
        pollIntervalMs === undefined
          ? fs.watch(path, (eventType, name) => onFsEvent(dir, eventType, name))
          : fs.poll(path, pollIntervalMs, (current, previous) => onDirectoryPoll(dir, current, previous));
    } catch (error) {
      if (!isGone(error)) fail(error);
      return undefined;
    }
    const dir: WatchedDir = { path, real, handle, files: new Map(), dirs: new Set(), only };
    handle.on('error', (error) => onHandleError(dir, error));
    watched.set(path, dir);
    if (pollIntervalMs !== undefined && started) {
      // what is created between the listing and the poller's baseline: see addFile (the
      // directories of the initial walk are all read again before `ready`)
      later(() => {
        if (isCurrent(dir)) reconcile(dir);
      });
    }
    return dir;
  }

  /** `report`: it appeared after the start; `stats`: its stats, if at hand */
  function addFile(dir: WatchedDir, name: string, report: boolean, stats?: Stats): void {
    const path = join(dir.path, name);
    if (pollIntervalMs === undefined) {
      dir.files.set(name, undefined);
      if (report) onEvent('add', path);
      return;
    }
    /** the stats last reported, for the second look */
    let seen = report ? (stats ?? statQuiet(path)) : undefined;
    let poller: WatchHandle;
    try {
      poller = fs.poll(path, pollIntervalMs, (current, previous) => {
        if (!isCurrent(dir) || dir.files.get(name) !== poller) return;
        if (!current.isFile()) return settle(dir, name); // zeroed: gone (or back already)
        if (sameStats(current, previous)) return; // its atime, moved by a read
        seen = current;
        onEvent('change', path);
      });
    } catch (error) {
      return fail(error);
    }
    dir.files.set(name, poller);
    if (!report) return;
    onEvent('add', path);
    // a write between `seen` and the poller's baseline is only found by looking again
    later(() => {
      if (!isCurrent(dir) || dir.files.get(name) !== poller) return;
      const now = statQuiet(path);
      if (!now?.isFile()) return settle(dir, name);
      if (seen !== undefined && sameStats(now, seen)) return;
      seen = now;
      onEvent('change', path);
    });
  }

  function addDir(dir: WatchedDir, name: string, report: boolean, real: string): void {
    dir.dirs.add(name);
    watchTree(join(dir.path, name), report, real);
  }

  /** A directory reached through a link, or one that appeared later (a link or not). */
  function addLinkedDir(dir: WatchedDir, name: string, report: boolean): void {
    const real = realpathQuiet(join(dir.path, name));
    if (real === undefined || leadsBack(dir, real)) return;
    addDir(dir, name, report, real);
  }

  /** `real` is, or holds, `dir` or one of the watched directories above it: a cycle. */
  function leadsBack(dir: WatchedDir, real: string): boolean {
    for (let at: WatchedDir | undefined = dir; at !== undefined; at = watched.get(dirname(at.path))) {
      if (at.real === real || at.real.startsWith(real + sep)) return true;
      if (dirname(at.path) === at.path) break;
    }
    return false;
  }

  function isCurrent(dir: WatchedDir): boolean {
    return !closed && watched.get(dir.path) === dir; // not a handle closed meanwhile
  }

  function onFsEvent(dir: WatchedDir, eventType: string, name: string | null): void {
    if (!isCurrent(dir)) return;
    if (name === null) return reconcile(dir);
    if (dir.only !== undefined && !dir.only.has(name)) return;
    if (eventType === 'change') {
      // the hot path, one per write of a save: no stat, no readdir
      if (dir.files.has(name)) return onEvent('change', join(dir.path, name));
      if (dir.dirs.has(name)) return; // a subdirectory's attributes
    } else if (name === basename(dir.path) && dir.only === undefined && !isDirectory(dir.path)) {
      return dropWatchedDir(dir); // this directory was deleted or moved away
    }
    settle(dir, name);
  }

  function onDirectoryPoll(dir: WatchedDir, current: Stats, previous: Stats): void {
    if (!isCurrent(dir)) return;
    // an entry came or went, or the directory did; not its atime, which reading it moves
    if (!sameStats(current, previous)) reconcile(dir);
  }

  /** Runs `fn` one poll interval from now, unless the watcher is closed by then. */
  function later(fn: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, pollIntervalMs);
    timer.unref(); // the pollers keep the process alive
    timers.add(timer);
  }

  /** Brings the entry `name` of `dir` in line with the file system: one stat. */
  function settle(dir: WatchedDir, name: string): void {
    const path = join(dir.path, name);
    const knownFile = dir.files.has(name);
    const knownDir = dir.dirs.has(name);
    if (!knownFile && !knownDir && isIgnored(path)) return;
    const stats = statQuiet(path);
    if (stats?.isFile()) {
      if (knownDir) dropDir(dir, name);
      if (knownFile) onEvent('change', path);
      else addFile(dir, name, true, stats);
    } else if (stats?.isDirectory()) {
      if (knownFile) dropFile(dir, name);
      if (!knownDir) addLinkedDir(dir, name, true);
    } else {
      // gone (or a socket, a FIFO, something unreadable): not a file to reload
      if (knownFile) dropFile(dir, name);
      if (knownDir) dropDir(dir, name);
    }
  }

  /**
   * Reads `dir` again and settles every name that came or went. Polling does this whenever
   * the directory's stats moved; fs.watch only for an event without a name (not seen on
   * Linux, macOS or Windows, but fs.watch allows it). Content changes are left to the files'
   * own events.
   */
  function reconcile(dir: WatchedDir): void {
    let names: Set<string>;
    try {
      names = new Set(fs.readdir(dir.path).map((entry) => entry.name));
    } catch (error) {
      if (isGone(error)) return dropWatchedDir(dir);
      return fail(error);
    }
    for (const name of [...dir.files.keys(), ...dir.dirs]) if (!names.has(name)) settle(dir, name);
    for (const name of names) {
      if (dir.only !== undefined && !dir.only.has(name)) continue;
      if (!dir.files.has(name) && !dir.dirs.has(name)) settle(dir, name);
    }
  }

  function onHandleError(dir: WatchedDir, error: Error): void {
    if (!isCurrent(dir)) return;
    // Windows reports a watched directory's deletion as EPERM: that is a removal, not a failure
    if (!isDirectory(dir.path)) return dropWatchedDir(dir);
    fail(error); // Node has closed the handle: changes below this directory are missed
  }

  function dropFile(dir: WatchedDir, name: string): void {
    dir.files.get(name)?.close();
    dir.files.delete(name);
    onEvent('unlink', join(dir.path, name));
  }

  function dropDir(dir: WatchedDir, name: string): void {
    dir.dirs.delete(name);
    dropTree(join(dir.path, name));
  }

  /** `dir` itself is gone: forget it under its parent, and wait for a root to come back. */
  function dropWatchedDir(dir: WatchedDir): void {
    const parentPath = dirname(dir.path);
    if (parentPath !== dir.path) watched.get(parentPath)?.dirs.delete(basename(dir.path));
    dropTree(dir.path);
    if (roots.includes(dir.path)) watchThroughParent(dir.path);
  }

  /** Closes the handles of `path` and below, and unlinks every file they knew. */
  function dropTree(path: string): void {
    const dir = watched.get(path);
    if (dir === undefined) return;
    watched.delete(path);
    dir.handle.close();
    for (const [name, poller] of dir.files) {
      poller?.close();
      onEvent('unlink', join(path, name));
    }
    for (const name of dir.dirs) dropTree(join(path, name));
  }

  function statQuiet(path: string): Stats | undefined {
    try {
      return fs.stat(path);
    } catch {
      return undefined; // ENOTDIR, EACCES, ELOOP: not there as far as reloading goes
    }
  }

  function isDirectory(path: string): boolean {
    return statQuiet(path)?.isDirectory() === true;
  }

  function realpathQuiet(path: string): string | undefined {
    try {
      return fs.realpath(path);
    } catch {
      return undefined;
    }
  }

  function fail(error: unknown): void {
    const code = codeOf(error);
    if (code === 'ENOSPC' || code === 'EMFILE') {
      if (limitsReported.has(code)) return;
      limitsReported.add(code);
    }
    onError(error);
  }

  return {
    ready,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const dir of watched.values()) {
        dir.handle.close();
        for (const poller of dir.files.values()) poller?.close();
      }
      watched.clear();
      resolveReady();
    },
  };
}

/** What polling compares: not atime, which reading a file or a directory moves. */
function sameStats(a: Stats, b: Stats): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino && a.mode === b.mode;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function isGone(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
