import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLostSaveGuard } from '../../src/watch/lost-save-guard.ts';
import { createFakeScheduler, deferred, flushPromises } from './fake-scheduler.ts';

const WINDOW = 60;
const dir = '/p/src';
const file = '/p/src/a.ts';

function setup(existing: Iterable<string> = [file]) {
  const clock = createFakeScheduler();
  const files = new Set(existing);
  const reports: string[] = [];
  const stats: string[] = [];
  const guard = createLostSaveGuard({
    windowMs: WINDOW,
    scheduler: clock,
    report: (path) => reports.push(path),
    isFile: async (path) => {
      stats.push(path);
      return files.has(path);
    },
  });
  return { guard, clock, reports, stats, files };
}

test('raw events outside a window are left to chokidar', async () => {
  const { guard, reports, stats } = setup();
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  guard.onRaw('change', 'a.ts', { watchedPath: dir });
  await flushPromises();
  assert.deepEqual(reports, []);
  assert.deepEqual(stats, [], 'no stat either');
});

test("inside chokidar's window a raw event from the file's own watcher is re-reported", async () => {
  const { guard, reports } = setup();
  guard.open(file);
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  await flushPromises();
  assert.deepEqual(reports, [file]);
});

test("inside the window a raw event from the directory's watcher is re-reported", async () => {
  const { guard, reports } = setup();
  guard.open(file);
  guard.onRaw('change', 'a.ts', { watchedPath: dir });
  await flushPromises();
  assert.deepEqual(reports, [file]);
});

test('the window closes after windowMs', async () => {
  const { guard, clock, reports } = setup();
  guard.open(file);
  clock.advance(WINDOW);
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  await flushPromises();
  assert.deepEqual(reports, []);
});

test('a raw event for a file that is gone (delete) is not reported as a change', async () => {
  const { guard, reports, files } = setup();
  guard.open(file);
  files.delete(file);
  guard.onRaw('rename', 'a.ts', { watchedPath: dir });
  await flushPromises();
  assert.deepEqual(reports, []);
});

test('raw events that arrive while a stat is in flight share its report', async () => {
  const clock = createFakeScheduler();
  const reports: string[] = [];
  const pendingStat = deferred<boolean>();
  let statCalls = 0;
  const guard = createLostSaveGuard({
    windowMs: WINDOW,
    scheduler: clock,
    report: (path) => reports.push(path),
    isFile: () => {
      statCalls++;
      return pendingStat.promise;
    },
  });
  guard.open(file);
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  guard.onRaw('change', 'a.ts', { watchedPath: dir });
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  pendingStat.resolve(true);
  await flushPromises();
  assert.equal(statCalls, 1);
  assert.deepEqual(reports, [file]);
});

test('forget, close and polling-style details stop reports', async () => {
  const { guard, clock, reports } = setup();
  guard.open(file);
  guard.onRaw('change', file, { curr: {}, prev: {} });
  guard.forget(file);
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  guard.open(file);
  guard.close();
  guard.onRaw('change', 'a.ts', { watchedPath: file });
  await flushPromises();
  assert.deepEqual(reports, []);
  assert.equal(clock.pendingCount(), 0, 'window timers cancelled');
});
