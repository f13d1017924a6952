/**
 * A module that re-runs only because something it imports changed keeps its code, so it keeps
 * its version: in process, on a real runtime with real files, an edit that re-runs 1,000
 * modules records one row (the edited module's, in probation as before), and a version in
 * probation whose module re-ran keeps its window and counts the calls its new instance gets.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateApp, renderShared } from '../../bench/fixtures/generate-app.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { attachVersions } from '../../src/versions/attach-versions.ts';
import type { VersionRow } from '../../src/versions/version-store.ts';
import { tempDir, waitUntil, writeFiles } from '../control/helpers.ts';
import { sha } from './helpers.ts';

const MODULES = 1000;

test(`an edit that re-runs ${MODULES} modules records only the edited module; probation as before`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir('hotswap-rerun-record-');
  const app = generateApp(join(dir, 'app'), MODULES, { weights: true });
  const runtime = createRuntime({ root: app.dir, cacheDir: false });
  const versions = attachVersions(runtime, { file: join(dir, 'versions.db'), windowMs: 600_000 });
  t.after(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });
  const store = versions.service.store;
  assert.ok(store, versions.service.unavailable ?? 'no store');
  const recorded: VersionRow[][] = [];
  versions.service.on((event) => event.type === 'recorded' && recorded.push(event.versions));
  const root = await runtime.import<{ weight: number }>('src/mod-0.ts');
  const mods = MODULES - 3;
  const startup = store.history({ limit: 10_000 });
  assert.equal(startup.length, mods + 1, 'start-up: one row per loaded module');
  const before = new Map(startup.map((r) => [r.module, r]));
  const sharedV1 = before.get('src/shared.ts') as VersionRow;

  const edit = async (rev: number): Promise<VersionRow> => {
    const text = renderShared('shared-v0', rev);
    writeFileSync(app.sharedFile, text);
    const result = await runtime.reload([app.sharedFile]);
    assert.equal(result.status, 'committed');
    assert.equal(result.status === 'committed' ? result.updated.length : 0, mods + 1, 'shared.ts and every mod re-ran');
    assert.equal(root.weight, mods * (rev + 1), 'the re-runs ran the new REV');
    const latest = store.latest('src/shared.ts') as VersionRow;
    assert.equal(latest.hash, sha(text));
    return latest;
  };

  recorded.length = 0;
  const sharedV2 = await edit(1);
  assert.equal(store.history({ limit: 10_000 }).length, mods + 2, 'one new row: shared.ts');
  assert.deepEqual(recorded.map((batch) => batch.map((r) => `${r.module}@${r.seq}`)), [['src/shared.ts@2']]);
  assert.deepEqual([sharedV2.seq, sharedV2.parentId, sharedV2.trigger, sharedV2.state], [2, sharedV1.id, 'api', 'probation']);
  const watched = new Map(versions.service.probation.watched().map((w) => [w.id, w]));
  assert.ok(watched.has(sharedV2.id), 'the edited module is in probation');
  assert.ok(!watched.has(sharedV1.id), 'its previous version is no longer watched');
  assert.equal(store.get(sharedV1.id)?.state, 'superseded', 'replaced during probation, as before');
  assert.equal(watched.size, mods + 1, 'the re-run modules stay in the probation of their start-up rows');
  for (const [module, row] of before) {
    if (module === 'src/shared.ts') continue;
    const latest = store.latest(module) as VersionRow;
    assert.deepEqual([latest.id, latest.seq, latest.state], [row.id, 1, 'probation'], `${module} keeps its version`);
    assert.equal(runtime.moduleVersion(join(app.dir, module))?.hash, latest.hash, `${module} runs the code of its row`);
  }

  const sharedV3 = await edit(2);
  assert.equal(store.history({ limit: 10_000 }).length, mods + 3);
  assert.equal(sharedV3.parentId, sharedV2.id);
  assert.equal(store.get(sharedV2.id)?.state, 'superseded');
  assert.equal(store.sourceCount(), mods + 3, 'no source stored again');

  // A module that re-runs and was edited itself in the same change is recorded.
  const leaf = join(app.dir, 'src', `mod-${mods - 1}.ts`);
  const leafRow = store.latest(`src/mod-${mods - 1}.ts`) as VersionRow;
  writeFileSync(leaf, (store.source(leafRow.hash as string) as string).replace('% 1000003', '% 1000033'));
  writeFileSync(app.sharedFile, renderShared('shared-v0', 3));
  const both = await runtime.reload([app.sharedFile, leaf]);
  assert.equal(both.status, 'committed');
  assert.deepEqual(recorded.at(-1)?.map((r) => `${r.module}@${r.seq}`).sort(), [`src/mod-${mods - 1}.ts@2`, 'src/shared.ts@4']);
  assert.equal(store.history({ limit: 10_000 }).length, mods + 5);
});

const DEP = (n: number): string => `export const n: number = ${n};\n`;
const MAIN = (word: string): string => `import { n } from './dep.ts';\nconst base = n;\nexport function read(): string {\n  return '${word}:' + base;\n}\n`;

test('a version in probation whose module re-ran keeps its window and counts the calls of its new instance', async () => {
  const dir = tempDir('hotswap-rerun-probation-');
  writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': MAIN('one'), 'dep.ts': DEP(1) });
  const runtime = createRuntime({ root: dir, cacheDir: false });
  const versions = attachVersions(runtime, { windowMs: 600_000 });
  const store = versions.service.store;
  assert.ok(store, versions.service.unavailable ?? 'no store');
  try {
    const main = await runtime.import<{ read(): string }>('main.ts');
    writeFileSync(join(dir, 'main.ts'), MAIN('two'));
    assert.equal((await runtime.reload([join(dir, 'main.ts')])).status, 'committed');
    const mainV2 = store.latest('main.ts') as VersionRow;
    assert.equal(mainV2.seq, 2);
    const watch = (): { startedAt: number; calls: number } => {
      const w = versions.service.probation.watched().find((x) => x.id === mainV2.id);
      assert.ok(w, 'main.ts@2 is watched');
      return { startedAt: w.startedAt, calls: w.sample().calls };
    };
    for (let i = 0; i < 3; i++) assert.equal(main.read(), 'two:1');
    const first = watch();
    assert.equal(first.calls, 3);

    const instance = runtime.moduleVersion(join(dir, 'main.ts'));
    writeFileSync(join(dir, 'dep.ts'), DEP(2));
    assert.equal((await runtime.reload([join(dir, 'dep.ts')])).status, 'committed');
    assert.notEqual(runtime.moduleVersion(join(dir, 'main.ts')), instance, 'main.ts re-ran');
    for (let i = 0; i < 2; i++) assert.equal(main.read(), 'two:2');
    assert.equal(store.latest('main.ts')?.id, mainV2.id, 'the re-run is the same version');
    assert.equal(store.latest('main.ts')?.state, 'probation');
    const after = watch();
    assert.equal(after.startedAt, first.startedAt, 'its window goes on');
    assert.equal(after.calls, 5, 'calls before and after the re-run');
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
});

const FAILING = `import { n } from './dep.ts';\nconst base = n;\nexport function read(): string {\n  throw new Error('broken ' + base);\n}\n`;

test('a failing version in probation whose module re-ran is still rolled back: errors before and after the re-run add up', async () => {
  const dir = tempDir('hotswap-rerun-probation-');
  writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': MAIN('one'), 'dep.ts': DEP(1) });
  const runtime = createRuntime({ root: dir, cacheDir: false });
  const versions = attachVersions(runtime, { windowMs: 600_000, minCalls: 4, maxErrorRate: 0.5 });
  const store = versions.service.store;
  assert.ok(store, versions.service.unavailable ?? 'no store');
  try {
    const main = await runtime.import<{ read(): string }>('main.ts');
    const mainV1 = store.latest('main.ts') as VersionRow;
    // main.ts@1 passed its probation (as the window's end would decide).
    versions.service.probation.drop(join(dir, 'main.ts'));
    store.setState(mainV1.id, 'stable');
    writeFileSync(join(dir, 'main.ts'), FAILING);
    assert.equal((await runtime.reload([join(dir, 'main.ts')])).status, 'committed');
    const mainV2 = store.latest('main.ts') as VersionRow;
    assert.throws(() => main.read(), /broken 1/);
    assert.throws(() => main.read(), /broken 1/);
    // Two errors: under minCalls. The re-run must not reset them.
    writeFileSync(join(dir, 'dep.ts'), DEP(2));
    assert.equal((await runtime.reload([join(dir, 'dep.ts')])).status, 'committed');
    assert.equal(store.latest('main.ts')?.id, mainV2.id);
    assert.throws(() => main.read(), /broken 2/);
    assert.throws(() => main.read(), /broken 2/);
    const back = await waitUntil(() => {
      const latest = store.latest('main.ts');
      return latest?.trigger === 'auto-rollback' ? latest : undefined;
    }, 'the automatic rollback of main.ts@2');
    assert.equal(back.hash, mainV1.hash);
    assert.equal(main.read(), 'one:2', 'the stable code runs, with the new dependency');
    assert.equal(store.get(mainV2.id)?.state, 'rolled-back');
    assert.deepEqual([store.get(mainV2.id)?.calls, store.get(mainV2.id)?.errors], [4, 4]);
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
});
