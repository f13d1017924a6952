/**
 * The seed scenario, with the real CLI against a running app: apply
 * --mode append adds engineStatus, a route answers `ok` without a restart,
 * history shows the apply's SHA-256 and parent, and rollback <parent> removes
 * it from disk and from the running code.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ENGINE, history, sha, startVersionApp, type VersionApp } from './helpers.ts';

const HELPER = "export function engineStatus() { return 'ok' }\n";
let v: VersionApp;

before(async () => {
  v = await startVersionApp();
  writeFileSync(join(v.dir, 'helper.ts'), HELPER);
});
after(() => v.close());

test('apply --mode append, history, rollback <parent>', async () => {
  assert.equal((await v.call('engineStatus')).body, 'missing');
  const pid = v.app.child.pid;

  const applied = await v.cli('apply', 'lib/engine.ts', '--mode', 'append', '--from', 'helper.ts', '--yes');
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.match(applied.stdout, /\+export function engineStatus\(\) \{ return 'ok' \}/, 'the impact shows the diff');
  assert.match(applied.stdout, /apply committed: lib\/engine\.ts@\d+/);
  assert.match(applied.stdout, /is stable after probation/);
  assert.equal((await v.call('engineStatus')).body, 'ok');
  assert.equal(v.app.child.pid, pid, 'no restart');
  const expected = `${ENGINE}${HELPER}`;
  assert.equal(v.read('lib/engine.ts'), expected);

  const rows = await history(v, 'lib/engine.ts');
  const [apply, startup] = rows;
  assert.ok(apply && startup, JSON.stringify(rows));
  assert.equal(apply.trigger, 'apply');
  assert.equal(apply.hash, sha(expected));
  assert.equal(apply.parentId, startup.id);
  assert.equal(startup.trigger, 'startup');
  assert.equal(startup.hash, sha(ENGINE));
  const human = await v.cli('history', 'lib/engine.ts');
  assert.match(human.stdout, new RegExp(`apply .*\\n.*sha256 ${sha(expected)}  parent #${startup.id}`));

  const rolled = await v.cli('rollback', String(apply.parentId));
  assert.equal(rolled.code, 0, rolled.stdout + rolled.stderr);
  assert.equal(v.read('lib/engine.ts'), ENGINE, 'the file is back, byte for byte');
  assert.equal((await v.call('engineStatus')).body, 'missing', 'and so is the running code');
  assert.equal((await v.call('engineVersion')).body, 'v1');
  const [rollback] = await history(v, 'lib/engine.ts');
  assert.equal(rollback?.trigger, 'rollback');
  assert.equal(rollback?.hash, sha(ENGINE));
  assert.equal(rollback?.parentId, apply.id);
});

test('apply --mode export:<name> changes only that declaration on disk and in the running code', async () => {
  const before = v.read('lib/engine.ts');
  writeFileSync(join(v.dir, 'fix.ts'), "// a comment that is not copied\nexport function engineVersion(): string {\n  return 'v2';\n}\n");
  const result = await v.cli('apply', 'lib/engine.ts', '--mode', 'export:engineVersion', '--from', 'fix.ts', '--yes', '--no-wait');
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(v.read('lib/engine.ts'), before.replace("return 'v1';", "return 'v2';"));
  assert.equal((await v.call('engineVersion')).body, 'v2');
  assert.equal((await v.call('userTag')).body, 'user:v2');
});

test('versions prune keeps every stable version and what runs', async () => {
  const before = await history(v, 'lib/engine.ts');
  const result = await v.cli('versions', 'prune', '--keep', '1');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /pruned \d+ version\(s\) and \d+ unused source\(s\); kept the newest 1 per module and every stable one/);
  const after = await history(v, 'lib/engine.ts');
  for (const row of before.filter((r) => r.state === 'stable')) assert.ok(after.some((r) => r.id === row.id), `stable #${row.id} kept`);
  assert.equal(after[0]?.id, before[0]?.id, 'the running version is kept');
  assert.ok(after.length <= before.length);
});
