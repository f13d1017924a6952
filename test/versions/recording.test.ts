/**
 * What the store records, in process on a real runtime and real files: the
 * start-up load, a watched save, an apply and a rollback each leave a row with
 * the right trigger, hash, parent and timings; identical sources are stored once.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { attachVersions } from '../../src/versions/attach-versions.ts';
import type { VersionRow } from '../../src/versions/version-store.ts';
import { saveFile, tempDir, waitUntil, writeFiles } from '../control/helpers.ts';
import { sha } from './helpers.ts';

const DEP = (word: string): string => `export function value(): string {\n  return '${word}';\n}\n`;

test('startup, watch, apply and rollback rows; one source per hash', async () => {
  const dir = tempDir('hotswap-versions-');
  writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': "import { value } from './dep.ts';\nexport const read = (): string => value();\n", 'dep.ts': DEP('one') });
  const runtime = createRuntime({ root: dir, cacheDir: false, watch: { settleMs: 10 } });
  const versions = attachVersions(runtime, { windowMs: 60_000 });
  const store = versions.service.store;
  assert.ok(store, versions.service.unavailable ?? 'no store');
  try {
    const main = await runtime.import<{ read(): string }>('main.ts');
    const startup = store.history();
    assert.deepEqual(startup.map((r) => [r.module, r.trigger, r.result, r.parentId]).sort(), [
      ['dep.ts', 'startup', 'committed', null],
      ['main.ts', 'startup', 'committed', null],
    ]);
    const depStart = startup.find((r) => r.module === 'dep.ts') as VersionRow;
    assert.equal(depStart.hash, sha(DEP('one')));
    assert.equal(store.source(depStart.hash as string), DEP('one'));

    saveFile(join(dir, 'dep.ts'), DEP('two'));
    const watched = await waitUntil(() => store.history({ module: 'dep.ts' }).find((r) => r.trigger === 'watch'), 'the watched save to be recorded');
    assert.equal(main.read(), 'two');
    assert.equal(watched.hash, sha(DEP('two')));
    assert.equal(watched.parentId, depStart.id);
    assertTimings(watched);

    const applied = await versions.apply({ module: 'dep.ts', code: DEP('three'), mode: 'replace', reason: 'hotfix', caller: 'test' });
    assert.equal(applied.status, 'committed', JSON.stringify(applied.error));
    assert.equal(main.read(), 'three');
    const apply = store.latest('dep.ts') as VersionRow;
    assert.deepEqual([apply.trigger, apply.hash, apply.parentId, apply.reason, apply.caller], ['apply', sha(DEP('three')), watched.id, 'hotfix', 'test']);
    assertTimings(apply);

    const rolled = await versions.rollback(depStart.id, { caller: 'test' });
    assert.equal(rolled.status, 'committed', JSON.stringify(rolled.error));
    assert.equal(main.read(), 'one');
    const rollback = store.latest('dep.ts') as VersionRow;
    assert.deepEqual([rollback.trigger, rollback.hash, rollback.parentId], ['rollback', sha(DEP('one')), apply.id]);
    assertTimings(rollback);
    assert.equal(rollback.seq, 4, 'dep.ts@1..4');

    // dep.ts one/two/three + main.ts: the rollback to "one" added no source
    const hashes = new Set(store.history({ limit: 100 }).map((r) => r.hash));
    assert.equal(hashes.size, 4);
    assert.equal(store.sourceCount(), 4);
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
});

function assertTimings(row: VersionRow): void {
  assert.ok(row.timings, `${row.module}@${row.seq} has timings`);
  for (const phase of ['stage', 'validate', 'commit', 'dispose', 'total'] as const) assert.equal(typeof row.timings[phase], 'number');
  assert.ok(row.timings.total > 0);
}
