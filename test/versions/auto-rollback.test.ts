/**
 * Probation with the real CLI: a version whose handler throws on most calls
 * right after commit is rolled back to the last stable version by itself,
 * within the probation window, and the next calls succeed. After a save in
 * `run` only the running code goes back (status says disk and code differ);
 * after `apply`, file and code go back together.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveFile, waitUntil } from '../control/helpers.ts';
import { apiHistory, ENGINE, history, startVersionApp, type HistoryRow, type VersionApp } from './helpers.ts';

// Throws on four calls of five.
const FLAKY = `let n = 0;
export function engineVersion(): string {
  n++;
  if (n % 5 !== 0) throw new Error('flaky ' + n);
  return 'flaky';
}
`;

let v: VersionApp;
before(async () => {
  v = await startVersionApp({}, { windowMs: 4000, minCalls: 5, maxErrorRate: 0.5 });
  await waitUntil(async () => (await apiHistory(v, 'lib/engine.ts'))[0]?.state === 'stable', 'the start-up version to become stable');
});
after(() => v.close());

/** Call until `done` holds; every call counts against the version in probation. */
async function callUntil(done: () => Promise<HistoryRow | undefined>): Promise<HistoryRow> {
  return waitUntil(async () => {
    for (let i = 0; i < 5; i++) await v.call('engineVersion');
    return done();
  }, 'an automatic rollback');
}

test('a save in run: the running code rolls back, the file keeps the edit', async () => {
  const from = v.app.stderr().length;
  saveFile(join(v.dir, 'lib', 'engine.ts'), FLAKY);
  const bad = await waitUntil(async () => (await apiHistory(v, 'lib/engine.ts')).find((r) => r.trigger === 'watch'), 'the save to commit');
  const restored = await callUntil(async () => (await apiHistory(v, 'lib/engine.ts')).find((r) => r.trigger === 'auto-rollback'));
  const rows = await history(v, 'lib/engine.ts');
  assert.equal(rows.find((r) => r.id === bad.id)?.state, 'rolled-back', 'rolled back, never marked stable');
  assert.equal(restored.parentId, bad.id);
  assert.equal(restored.hash, rows.find((r) => r.trigger === 'startup')?.hash);
  for (let i = 0; i < 5; i++) assert.deepEqual(await v.call('engineVersion'), { status: 200, body: 'v1' });
  assert.equal(v.read('lib/engine.ts'), FLAKY, 'the file on disk stays as the developer wrote it');
  assert.match(v.app.stderr().slice(from), /rolled back automatically: lib\/engine\.ts@\d+ failed in probation \(\d+\/\d+ calls failed\).*the file on disk keeps your edit/);
  const status = await v.cli('status', '--json');
  const problems = (JSON.parse(status.stdout) as { status: { problems: string[] } }).status.problems;
  assert.ok(problems.some((p) => /lib\/engine\.ts: the running code .* differs from the file on disk/.test(p)), problems.join('\n'));
  const info = JSON.parse(v.read('.hotswap/control.json')) as { url: string };
  const events = (await (await fetch(`${info.url}/api/events/recent`, { headers: { authorization: `Bearer ${v.read('.hotswap/token').trim()}` } })).json()) as { events: { type: string }[] };
  assert.ok(events.events.some((e) => e.type === 'versions:rolled-back'), 'on the event stream too');

  saveFile(join(v.dir, 'lib', 'engine.ts'), ENGINE);
  await waitUntil(async () => !(JSON.parse((await v.cli('status', '--json')).stdout) as { status: { problems: string[] } }).status.problems.some((p) => p.includes('differs')), 'disk and code to agree again');
});

test('after apply: file and code roll back together; apply reports it and exits 1', async () => {
  writeFileSync(join(v.dir, 'flaky.ts'), FLAKY);
  const stable = v.read('lib/engine.ts');
  let applying = true;
  const applied = v.cli('apply', 'lib/engine.ts', '--from', 'flaky.ts', '--yes').finally(() => (applying = false));
  // Traffic while the CLI waits for probation's verdict.
  await waitUntil(async () => {
    await v.call('engineVersion');
    return (await apiHistory(v, 'lib/engine.ts')).some((r) => r.trigger === 'apply' && r.result === 'committed');
  }, 'the apply to commit');
  while (applying) await v.call('engineVersion');
  const result = await applied;
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /failed in probation and was rolled back automatically \(file and code\)/);
  assert.match(result.stdout, /after {3}lib\/engine\.ts@\d+: \d+\/\d+ failed/);
  assert.equal(v.read('lib/engine.ts'), stable, 'the file is back');
  assert.deepEqual(await v.call('engineVersion'), { status: 200, body: 'v1' });
  const [latest] = await history(v, 'lib/engine.ts');
  assert.equal(latest?.trigger, 'auto-rollback');
});
