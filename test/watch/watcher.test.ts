// Real file-system tests, in chokidar's way: a temp dir per test with its fixtures written
// before the watcher starts, `await ready`, then act and wait on the event itself (10 s safety
// timeout). Nothing asserts on wall-clock durations, and nothing sleeps before an assertion.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createWakeSet } from '../support/wake-set.ts';
import { createWatcher, DEFAULT_IGNORES, isWatchError } from '../../src/watch/watcher.ts';
import type { ChangeSet, Watcher, WatcherOptions } from '../../src/watch/watcher.ts';

const SAFETY_TIMEOUT_MS = 10_000;

interface Session {
  dir: string;
  watcher: Watcher;
  sets: ChangeSet[];
  errors: Error[];
  /** contents read inside onChange, in order: what a reload would have seen */
  reads: { path: string; content: string }[];
  /** resolves with the first delivered set (past or future) that satisfies `predicate` */
  waitForSet(predicate: (set: ChangeSet) => boolean, what: string): Promise<ChangeSet>;
  /** resolves once onChange has read `content` from `path` */
  waitForRead(path: string, content: string): Promise<void>;
}

interface SessionOptions extends Partial<Omit<WatcherOptions, 'roots' | 'onChange'>> {
  fixtures?: Record<string, string>;
  /** runs inside onChange after the session recorded the set */
  onChange?: (set: ChangeSet, session: Session) => void | Promise<void>;
}

function makeTempDir(t: TestContext, fixtures: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hotswap-watch-')));
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }));
  for (const [name, content] of Object.entries(fixtures)) write(join(dir, name), content);
  return dir;
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

async function startSession(t: TestContext, options: SessionOptions = {}): Promise<Session> {
  const { fixtures = {}, onChange, ...watcherOptions } = options;
  const dir = makeTempDir(t, fixtures);
  const wakes = createWakeSet(SAFETY_TIMEOUT_MS);
  const sets: ChangeSet[] = [];
  const errors: Error[] = [];
  const reads: { path: string; content: string }[] = [];

  const waitUntil = (check: () => boolean, what: string): Promise<void> => wakes.until(check, what, () => ({ sets }));

  const session: Session = {
    dir,
    sets,
    errors,
    reads,
    watcher: undefined as unknown as Watcher,
    async waitForSet(predicate, what) {
      await waitUntil(() => sets.some(predicate), what);
      return sets.find(predicate) as ChangeSet;
    },
    waitForRead: (path, content) =>
      waitUntil(() => reads.some((read) => read.path === path && read.content === content), `"${content}" read from ${path}`),
  };

  session.watcher = createWatcher({
    ...watcherOptions,
    roots: [dir],
    onError: (error) => errors.push(error),
    onChange: async (set) => {
      sets.push(set);
      for (const path of [...set.changed, ...set.added]) {
        try {
          reads.push({ path, content: readFileSync(path, 'utf8') });
        } catch {
          // gone again already: the next set says so
        }
      }
      try {
        await onChange?.(set, session);
      } finally {
        wakes.wake();
      }
    },
  });
  t.after(() => session.watcher.close());
  await session.watcher.ready;
  return session;
}

const includes = (list: keyof ChangeSet, path: string) => (set: ChangeSet) => set[list].includes(path);
const isOnly = (set: ChangeSet, path: string) => set.changed.length === 1 && set.changed[0] === path && set.added.length === 0 && set.removed.length === 0;
const thousandFiles = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`src/m${i}.ts`, `export const v = ${i};`]));

for (const usePolling of [false, true]) {
  // concurrent: each test has its own directory and watcher, and mostly waits on the file system
  describe(`createWatcher (${usePolling ? 'polling' : 'fs.watch'})`, { timeout: 20_000, concurrency: true }, () => {
    test('a single save is one change set with the new content', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'export const a = 1;' } });
      const a = join(s.dir, 'src/a.ts');
      writeFileSync(a, 'export const a = 2;');
      const set = await s.waitForSet(includes('changed', a), 'the save');
      assert.deepEqual(set, { changed: [a], added: [], removed: [] });
      assert.equal(s.reads.find((read) => read.path === a)?.content, 'export const a = 2;');
    });

    test('50 rapid writes are coalesced, and the last content written is the one read', async (t) => {
      // settleMs 100: a trailing batch must not end between two writes on a loaded machine
      const s = await startSession(t, { usePolling, settleMs: 100, fixtures: { 'src/a.ts': 'v0' } });
      const a = join(s.dir, 'src/a.ts');
      for (let i = 1; i < 50; i++) {
        writeFileSync(a, `v${i}`);
        await delay(1);
      }
      // a length no earlier write had: polling compares size and mtime
      writeFileSync(a, 'v50 final');
      await s.waitForRead(a, 'v50 final');
      // How few depends on the machine's load (a write delayed past settleMs starts a new batch): the
      // count is reported, not asserted. The batching rules themselves are asserted on a fake
      // scheduler in change-batcher.test.ts.
      t.diagnostic(`${s.sets.length} calls for 50 writes`);
      assert.ok(s.sets.length < 50, `the writes were coalesced (${s.sets.length} calls for 50 writes)`);
      assert.ok(s.sets.every((set) => set.added.length === 0 && set.removed.length === 0));
    });

    test('a second save right after the first is not lost (chokidar dropped it: a 50 ms throttle per path)', async (t) => {
      let saves = 0;
      const s = await startSession(t, {
        usePolling,
        fixtures: { 'src/a.ts': 'v1' },
        onChange: (set, session) => {
          // the editor saves again while the first reload runs
          const a = join(session.dir, 'src/a.ts');
          if (set.changed.includes(a) && saves++ === 0) writeFileSync(a, 'v3 (second save)');
        },
      });
      const a = join(s.dir, 'src/a.ts');
      writeFileSync(a, 'v2');
      await s.waitForRead(a, 'v3 (second save)');
    });

    test('an atomic save (write temp, rename over) is a change, never a remove or add', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'old' } });
      const a = join(s.dir, 'src/a.ts');
      writeFileSync(`${a}.tmp-4711`, 'new');
      renameSync(`${a}.tmp-4711`, a);
      await s.waitForRead(a, 'new');
      assert.ok(s.sets.some(includes('changed', a)));
      assert.ok(!s.sets.some((set) => set.added.includes(a) || set.removed.includes(a)), JSON.stringify(s.sets));
    });

    test('delete then re-create within the settle window is a change', async (t) => {
      // a long window: the re-create certainly falls inside it; the file's return ends the hold
      const s = await startSession(t, { usePolling, settleMs: 5_000, fixtures: { 'src/a.ts': 'old' } });
      const a = join(s.dir, 'src/a.ts');
      unlinkSync(a);
      await delay(20); // let the watcher see the file gone (if it does not, it reports a change anyway)
      writeFileSync(a, 'new');
      await s.waitForRead(a, 'new');
      assert.deepEqual(s.sets, [{ changed: [a], added: [], removed: [] }]);
    });

    test('a delete is reported as removed once the settle window has passed', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'x', 'src/b.ts': 'y' } });
      const a = join(s.dir, 'src/a.ts');
      unlinkSync(a);
      const set = await s.waitForSet(includes('removed', a), 'the removal');
      assert.deepEqual(set, { changed: [], added: [], removed: [a] });
    });

    test('a rename is the old path removed and the new one added', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'x' } });
      const a = join(s.dir, 'src/a.ts');
      const b = join(s.dir, 'src/b.ts');
      renameSync(a, b);
      await s.waitForSet(includes('removed', a), 'a.ts removed');
      await s.waitForSet(includes('added', b), 'b.ts added');
      const reported = s.sets.flatMap((set) => [...set.changed, ...set.added, ...set.removed]);
      assert.deepEqual(reported.sort(), [a, b]);
    });

    test('a file can be a root', async (t) => {
      const dir = makeTempDir(t, { 'main.ts': 'v1', 'other.ts': 'x' });
      const main = join(dir, 'main.ts');
      const sets: ChangeSet[] = [];
      let delivered!: () => void;
      const seen = new Promise<void>((resolve) => (delivered = resolve));
      const watcher = createWatcher({
        roots: [main],
        usePolling,
        onChange: (set) => {
          sets.push(set);
          delivered();
        },
      });
      t.after(() => watcher.close());
      await watcher.ready;
      writeFileSync(join(dir, 'other.ts'), 'not watched');
      writeFileSync(main, 'v2 of main');
      await seen;
      assert.deepEqual(sets, [{ changed: [main], added: [], removed: [] }]);
    });

    test('new files are added, in new directories too; directories are not reported', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'x' } });
      const b = join(s.dir, 'src/b.ts');
      const deep = join(s.dir, 'src/feature/deep/c.ts');
      writeFileSync(b, 'b');
      write(deep, 'c');
      await s.waitForSet(includes('added', b), 'b.ts added');
      await s.waitForSet(includes('added', deep), 'c.ts added');
      const reported = s.sets.flatMap((set) => [...set.changed, ...set.added, ...set.removed]);
      assert.deepEqual([...new Set(reported)].sort(), [b, deep].sort());
    });

    test('a directory created after start: its file is added, and the directory is watched from then on', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'x' } });
      const c = join(s.dir, 'src/feature/c.ts');
      write(c, 'c1');
      await s.waitForSet(includes('added', c), 'c.ts added');
      writeFileSync(c, 'c2, saved in the new directory');
      await s.waitForRead(c, 'c2, saved in the new directory');
      const d = join(s.dir, 'src/feature/d.ts');
      writeFileSync(d, 'd');
      await s.waitForSet(includes('added', d), 'd.ts added');
      assert.ok(!s.sets.some((set) => set.removed.length > 0), JSON.stringify(s.sets));
    });

    test('a deleted directory: each of its files is removed, once', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/feature/a.ts': 'a', 'src/feature/deep/b.ts': 'b', 'src/keep.ts': 'k' } });
      const a = join(s.dir, 'src/feature/a.ts');
      const b = join(s.dir, 'src/feature/deep/b.ts');
      rmSync(join(s.dir, 'src/feature'), { recursive: true });
      await s.waitForSet(includes('removed', a), 'a.ts removed');
      await s.waitForSet(includes('removed', b), 'b.ts removed');
      // written last: once it is read, anything late about the deleted tree has come in too
      const keep = join(s.dir, 'src/keep.ts');
      writeFileSync(keep, 'k2');
      await s.waitForRead(keep, 'k2');
      const reported = s.sets.flatMap((set) => [...set.changed, ...set.added, ...set.removed.map((path) => `removed ${path}`)]);
      assert.deepEqual(reported.filter((path) => path !== keep).sort(), [`removed ${a}`, `removed ${b}`]);
    });

    test('1,000 files in one directory: a save is exactly that path', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: thousandFiles });
      const a = join(s.dir, 'src/m500.ts');
      writeFileSync(a, 'export const v = "saved";');
      const set = await s.waitForSet(includes('changed', a), 'the save');
      assert.deepEqual(set, { changed: [a], added: [], removed: [] });
      // a second save is the witness that nothing else (a rescan's findings) trails the first
      writeFileSync(a, 'export const v = "saved again";');
      await s.waitForRead(a, 'export const v = "saved again";');
      assert.ok(s.sets.every((each) => isOnly(each, a)), JSON.stringify(s.sets));
    });

    test('1,000 files in one directory: 50 rapid writes are coalesced, each call of that path alone', async (t) => {
      const s = await startSession(t, { usePolling, settleMs: 100, fixtures: thousandFiles });
      const a = join(s.dir, 'src/m500.ts');
      for (let i = 1; i < 50; i++) {
        writeFileSync(a, `v${i}`);
        await delay(1);
      }
      writeFileSync(a, 'v50 final');
      await s.waitForRead(a, 'v50 final');
      // How few depends on the machine's load (a write delayed past settleMs starts a new batch): the
      // count is reported, not asserted. The batching rules themselves are asserted on a fake
      // scheduler in change-batcher.test.ts.
      t.diagnostic(`${s.sets.length} calls for 50 writes`);
      assert.ok(s.sets.length < 50, `the writes were coalesced (${s.sets.length} calls for 50 writes)`);
      assert.ok(s.sets.every((set) => isOnly(set, a)), JSON.stringify(s.sets));
    });

    test('ignored paths produce nothing', async (t) => {
      const s = await startSession(t, {
        usePolling,
        ignore: ['generated', /\.log$/],
        fixtures: {
          'src/a.ts': 'x',
          'src/generated/api.ts': 'x',
          ...Object.fromEntries(DEFAULT_IGNORES.map((name) => [`${name}/index.js`, 'x'])),
        },
      });
      const ignored = [
        ...DEFAULT_IGNORES.map((name) => join(s.dir, name, 'index.js')),
        join(s.dir, 'node_modules/pkg/new.js'),
        join(s.dir, 'src/generated/api.ts'),
        join(s.dir, 'src/debug.log'),
        join(s.dir, 'src/.a.ts.swp'),
      ];
      for (const path of ignored) write(path, 'changed');
      // written last: once it arrives, anything from the ignored writes would have too
      const a = join(s.dir, 'src/a.ts');
      writeFileSync(a, 'real change');
      await s.waitForRead(a, 'real change');
      const reported = s.sets.flatMap((set) => [...set.changed, ...set.added, ...set.removed]);
      assert.deepEqual([...new Set(reported)], [a]);
    });

    test('a throwing onChange goes to onError and the watcher carries on', async (t) => {
      let calls = 0;
      const s = await startSession(t, {
        usePolling,
        fixtures: { 'src/a.ts': 'v1' },
        onChange: () => {
          if (calls++ === 0) throw new Error('reload exploded');
        },
      });
      const a = join(s.dir, 'src/a.ts');
      writeFileSync(a, 'v2');
      await s.waitForRead(a, 'v2');
      writeFileSync(a, 'v3 after the failure');
      await s.waitForRead(a, 'v3 after the failure');
      assert.equal(s.errors.length, 1);
      const [error] = s.errors;
      assert.ok(isWatchError(error));
      assert.equal(error.code, 'HS_WATCH_ON_CHANGE_FAILED');
      assert.equal((error.cause as Error).message, 'reload exploded');
      assert.deepEqual(error.changeSet?.changed, [a]);
    });

    test('close() is idempotent, and nothing is delivered after it', async (t) => {
      const s = await startSession(t, { usePolling, fixtures: { 'src/a.ts': 'v1' } });
      const first = s.watcher.close();
      assert.equal(s.watcher.close(), first, 'the same promise');
      assert.equal(s.watcher.isClosed(), true);
      await first;
      // a second watcher on the same directory is the witness that the write was seen
      const witnessSets: ChangeSet[] = [];
      let witnessed!: () => void;
      const seen = new Promise<void>((resolve) => (witnessed = resolve));
      const witness = createWatcher({
        roots: [s.dir],
        usePolling,
        onChange: (set) => {
          witnessSets.push(set);
          witnessed();
        },
      });
      t.after(() => witness.close());
      await witness.ready;
      writeFileSync(join(s.dir, 'src/a.ts'), 'v2');
      await seen;
      assert.equal(witnessSets.length, 1);
      assert.deepEqual(s.sets, []);
    });
  });
}

test('ready resolves when the watcher is closed before the scan ends', async (t) => {
  const dir = makeTempDir(t, { 'a.ts': 'x' });
  const watcher = createWatcher({ roots: [dir], onChange: () => {} });
  const closed = watcher.close();
  await watcher.ready;
  await closed;
  assert.equal(watcher.isClosed(), true);
});

test('options are checked up front', () => {
  const onChange = () => {};
  assert.throws(() => createWatcher({ roots: ['src'], onChange }), /not absolute/);
  assert.throws(() => createWatcher({ roots: [], onChange }), /roots is empty/);
  assert.throws(() => createWatcher({ roots: ['/tmp'], settleMs: -1, onChange }), /settleMs/);
});
