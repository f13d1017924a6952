// The file system watcher on its own: raw file events (no batching), through a file system
// whose calls are counted. Same rules as watcher.test.ts: fixtures before start, wait on the
// events themselves, no sleeps before an assertion, no wall-clock assertions.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, unwatchFile, watch, watchFile, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { FileEvent } from '../../src/watch/change-set.ts';
import { createWakeSet } from '../support/wake-set.ts';
import { createDirectoryWatcher } from '../../src/watch/directory-watcher.ts';
import type { DirectoryWatcherFs } from '../../src/watch/directory-watcher.ts';
import { createIgnoreMatcher } from '../../src/watch/ignore.ts';

const SAFETY_TIMEOUT_MS = 10_000;
const POLL_MS = 20;

interface Counts {
  watch: number;
  close: number;
  readdir: number;
  stat: number;
  poll: number;
  realpath: number;
}

interface Session {
  dir: string;
  events: { event: FileEvent; path: string }[];
  errors: unknown[];
  /** file system calls so far */
  counts: Counts;
  /** the fs.watch handle of each directory, by path (the last one opened) */
  handles: Map<string, FSWatcher>;
  /** directories given to fs.watch or polled: the watched ones */
  watchedDirs: Set<string>;
  close(): void;
  /** resolves once an event from index `since` on (past or future) satisfies `predicate` */
  waitFor(what: string, predicate: (event: FileEvent, path: string) => boolean, since?: number): Promise<void>;
}

interface StartOptions {
  fixtures?: Record<string, string>;
  dir?: string;
  roots?: (dir: string) => string[];
  pollIntervalMs?: number | undefined;
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function makeTempDir(t: TestContext, fixtures: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hotswap-dirwatch-')));
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }));
  for (const [name, content] of Object.entries(fixtures)) write(join(dir, name), content);
  return dir;
}

async function start(t: TestContext, options: StartOptions = {}): Promise<Session> {
  const dir = options.dir ?? makeTempDir(t, options.fixtures ?? {});
  const counts: Counts = { watch: 0, poll: 0, close: 0, readdir: 0, stat: 0, realpath: 0 };
  const handles = new Map<string, FSWatcher>();
  const watchedDirs = new Set<string>();
  const fs: DirectoryWatcherFs = {
    watch(path, listener) {
      counts.watch++;
      const handle = watch(path, { persistent: true }, listener);
      handles.set(path, handle);
      watchedDirs.add(path);
      return {
        on: (event, onError) => handle.on(event, onError),
        close() {
          counts.close++;
          handle.close();
        },
      };
    },
    poll(path, intervalMs, listener) {
      counts.poll++;
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) watchedDirs.add(path);
      watchFile(path, { persistent: true, interval: intervalMs }, listener);
      return {
        on: () => undefined,
        close() {
          counts.close++;
          unwatchFile(path, listener);
        },
      };
    },
    readdir(path) {
      counts.readdir++;
      return readdirSync(path, { withFileTypes: true });
    },
    stat(path) {
      counts.stat++;
      return statSync(path, { throwIfNoEntry: false });
    },
    realpath(path) {
      counts.realpath++;
      return realpathSync.native(path);
    },
  };
  const events: Session['events'] = [];
  const errors: unknown[] = [];
  const wakes = createWakeSet(SAFETY_TIMEOUT_MS);
  const roots = options.roots?.(dir) ?? [dir];
  const watcher = createDirectoryWatcher({
    roots,
    isIgnored: createIgnoreMatcher(roots),
    fs,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    onEvent: (event, path) => {
      events.push({ event, path });
      wakes.wake();
    },
    onError: (error) => errors.push(error),
  });
  t.after(() => watcher.close());
  await watcher.ready;
  return {
    dir,
    events,
    errors,
    counts,
    handles,
    watchedDirs,
    close: () => watcher.close(),
    waitFor: (what, predicate, since = 0) =>
      wakes.until(() => events.slice(since).some(({ event, path }) => predicate(event, path)), what, () => events),
  };
}

const is = (kind: FileEvent, file: string) => (event: FileEvent, path: string) => event === kind && path === file;

/** Polls the watcher's own state where no event marks it: a condition, not a time. */
async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + SAFETY_TIMEOUT_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

describe('directory watcher, fs.watch: what a save costs', { timeout: 30_000, concurrency: true }, () => {
  test('1,000 files in one directory: saves cost no readdir and no stat, and report exactly the saved paths', async (t) => {
    const fixtures = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`src/m${i}.ts`, `export const v = ${i};`]));
    const s = await start(t, { fixtures });
    assert.equal(s.counts.watch, 2, 'one handle per directory: the root and src/');
    assert.equal(s.counts.readdir, 2, 'the initial walk reads each directory once');
    const atReady = { ...s.counts };
    const saved: string[] = [];
    for (const i of [0, 1, 499, 500, 998, 999, 250, 750, 3, 996]) {
      const path = join(s.dir, `src/m${i}.ts`);
      saved.push(path);
      writeFileSync(path, `export const v = ${i} + 1;`);
      await s.waitFor(`the save of m${i}.ts`, is('change', path));
    }
    assert.deepEqual(s.counts, atReady, 'no file system call at all for plain saves');
    // every event is a change of a saved file (a save may give two: the truncate and the write)
    assert.deepEqual(
      s.events.filter(({ event, path }) => event !== 'change' || !saved.includes(path)),
      [],
    );
    assert.deepEqual([...new Set(s.events.map(({ path }) => path))].sort(), saved.sort());
    assert.ok(s.events.length <= 2 * saved.length, `at most two events per save, got ${s.events.length} for ${saved.length}`);
  });

  test('a file added to the 1,000-file directory costs one stat, and no readdir', async (t) => {
    const fixtures = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`m${i}.ts`, 'x']));
    const s = await start(t, { fixtures });
    const atReady = { ...s.counts };
    const added = join(s.dir, 'new.ts');
    writeFileSync(added, 'new');
    await s.waitFor('new.ts added', is('add', added));
    assert.equal(s.counts.readdir, atReady.readdir);
    assert.equal(s.counts.stat, atReady.stat + 1);
  });

  test('an error of a handle whose directory still exists goes to onError; the rest keeps working', async (t) => {
    const s = await start(t, { fixtures: { 'src/a.ts': 'a', 'lib/b.ts': 'b' } });
    const failure = Object.assign(new Error('EMFILE: too many open files, watch'), { code: 'EMFILE' });
    s.handles.get(join(s.dir, 'lib'))?.emit('error', failure);
    assert.deepEqual(s.errors, [failure]);
    const a = join(s.dir, 'src/a.ts');
    writeFileSync(a, 'a2');
    await s.waitFor('a.ts changed', is('change', a));
  });

  test("an error of a handle whose directory is gone (Windows' EPERM) is that directory's removal, not a failure", async (t) => {
    const s = await start(t, { fixtures: { 'src/feature/a.ts': 'a', 'src/keep.ts': 'k' } });
    const feature = join(s.dir, 'src/feature');
    const handle = s.handles.get(feature);
    rmSync(feature, { recursive: true });
    // synchronously, before fs.watch's own events of the deletion are read
    handle?.emit('error', Object.assign(new Error('EPERM: operation not permitted, watch'), { code: 'EPERM' }));
    const a = join(feature, 'a.ts');
    assert.deepEqual(s.events, [{ event: 'unlink', path: a }]);
    const keep = join(s.dir, 'src/keep.ts');
    writeFileSync(keep, 'k2');
    await s.waitFor('keep.ts changed', is('change', keep));
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.events.filter(({ path }) => path === a), [{ event: 'unlink', path: a }], 'unlinked once');
  });

  test('close() closes every handle, and nothing is reported after it', async (t) => {
    const s = await start(t, { fixtures: { 'a/1.ts': '1', 'b/c/2.ts': '2' } });
    assert.equal(s.counts.watch, 4);
    s.close();
    assert.equal(s.counts.close, 4);
    writeFileSync(join(s.dir, 'a/1.ts'), 'after close');
    // a second watcher of the same tree is the witness that the write was seen
    const witness = await start(t, { dir: s.dir });
    writeFileSync(join(s.dir, 'a/1.ts'), 'seen by the witness');
    await witness.waitFor('the witness saw the save', is('change', join(s.dir, 'a/1.ts')));
    assert.deepEqual(s.events, []);
  });
});

for (const pollIntervalMs of [undefined, POLL_MS]) {
  const mode = pollIntervalMs === undefined ? 'fs.watch' : 'polling';
  describe(`directory watcher, ${mode}: directories and roots`, { timeout: 30_000, concurrency: true }, () => {
    test('a directory created after start is read and watched: its files are added, later ones too', async (t) => {
      const s = await start(t, { pollIntervalMs, fixtures: { 'src/a.ts': 'x' } });
      const first = join(s.dir, 'src/feature/deep/first.ts');
      write(first, 'first');
      await s.waitFor('first.ts added', is('add', first));
      const second = join(s.dir, 'src/feature/deep/second.ts');
      writeFileSync(second, 'second');
      await s.waitFor('second.ts added', is('add', second));
      const beforeSave = s.events.length;
      writeFileSync(first, 'first, saved again');
      await s.waitFor('first.ts changed', is('change', first), beforeSave);
      assert.ok(s.watchedDirs.has(join(s.dir, 'src/feature/deep')));
      assert.deepEqual(s.events.filter(({ event }) => event === 'unlink'), []);
    });

    test('a deleted directory: every file under it is unlinked once, and its watchers are gone', async (t) => {
      const s = await start(t, { pollIntervalMs, fixtures: { 'src/feature/a.ts': 'a', 'src/feature/deep/b.ts': 'b', 'src/keep.ts': 'k' } });
      const a = join(s.dir, 'src/feature/a.ts');
      const b = join(s.dir, 'src/feature/deep/b.ts');
      const watchesBefore = s.counts.watch;
      rmSync(join(s.dir, 'src/feature'), { recursive: true });
      await s.waitFor('a.ts unlinked', is('unlink', a));
      await s.waitFor('b.ts unlinked', is('unlink', b));
      // written last: once it arrives, any late event of the deleted tree has been handled
      const keep = join(s.dir, 'src/keep.ts');
      writeFileSync(keep, 'k2');
      await s.waitFor('keep.ts changed', is('change', keep));
      const others = s.events.filter(({ path }) => path !== keep).map(({ event, path }) => `${event} ${path}`);
      assert.deepEqual(others.sort(), [`unlink ${a}`, `unlink ${b}`].sort());
      if (pollIntervalMs === undefined) {
        assert.equal(s.counts.close, 2, 'the handles of src/feature and src/feature/deep');
        assert.equal(s.counts.watch, watchesBefore);
      }
    });

    test('a directory moved within the roots: old paths unlinked, new ones added, and the new place watched', async (t) => {
      const s = await start(t, { pollIntervalMs, fixtures: { 'src/old/a.ts': 'a' } });
      const before = join(s.dir, 'src/old/a.ts');
      const after = join(s.dir, 'src/new/a.ts');
      renameSync(join(s.dir, 'src/old'), join(s.dir, 'src/new'));
      await s.waitFor('old a.ts unlinked', is('unlink', before));
      await s.waitFor('new a.ts added', is('add', after));
      const beforeSave = s.events.length;
      writeFileSync(after, 'a2, longer');
      await s.waitFor('new a.ts changed', is('change', after), beforeSave);
      assert.ok(!s.events.some(({ path, event }) => path === before && event !== 'unlink'), JSON.stringify(s.events));
    });

    test('a root directory that is deleted is waited for, and watched again when it comes back', async (t) => {
      const parent = makeTempDir(t, { 'app/a.ts': 'a' });
      const root = join(parent, 'app');
      const s = await start(t, { pollIntervalMs, dir: root });
      const a = join(root, 'a.ts');
      rmSync(root, { recursive: true });
      await s.waitFor('a.ts unlinked', is('unlink', a));
      // no event marks it: wait until the parent is watched in the root's place
      await waitUntil(() => s.watchedDirs.has(parent), 'the parent watched for the root');
      write(a, 'a again');
      await s.waitFor('a.ts added', is('add', a));
      const beforeSave = s.events.length;
      writeFileSync(a, 'a saved, longer');
      await s.waitFor('a.ts changed', is('change', a), beforeSave);
      assert.deepEqual(s.errors, []);
    });

    test('a root that is a file: its saves, an atomic save and a delete; its siblings are not reported', async (t) => {
      const dir = makeTempDir(t, { 'main.ts': 'v1', 'other.ts': 'x' });
      const main = join(dir, 'main.ts');
      const s = await start(t, { pollIntervalMs, dir, roots: () => [main] });
      writeFileSync(join(dir, 'other.ts'), 'not watched');
      writeFileSync(main, 'v2, longer');
      await s.waitFor('main.ts changed', is('change', main));
      const beforeAtomicSave = s.events.length;
      writeFileSync(`${main}.tmp`, 'v3');
      renameSync(`${main}.tmp`, main);
      await s.waitFor('the atomic save of main.ts', is('change', main), beforeAtomicSave);
      rmSync(main);
      await s.waitFor('main.ts unlinked', is('unlink', main));
      assert.deepEqual(s.events.filter(({ path }) => path !== main), []);
    });

    test('a linked directory is followed; a link back to an ancestor is not', async (t) => {
      const outside = makeTempDir(t, { 'shared/util.ts': 'u' });
      const dir = makeTempDir(t, { 'src/a.ts': 'a' });
      symlinkSync(join(outside, 'shared'), join(dir, 'src/shared'), 'dir');
      symlinkSync(dir, join(dir, 'src/loop'), 'dir');
      const s = await start(t, { pollIntervalMs, dir });
      if (pollIntervalMs === undefined) assert.equal(s.counts.watch, 3, 'the root, src/ and src/shared/: not src/loop/');
      const viaLink = join(dir, 'src/shared/util.ts');
      writeFileSync(join(outside, 'shared/util.ts'), 'u2, longer');
      await s.waitFor('util.ts changed, under the link', is('change', viaLink));
      assert.ok(![...s.watchedDirs].some((path) => path.includes(`${sep}loop`)), [...s.watchedDirs].join(', '));
    });
  });
}
