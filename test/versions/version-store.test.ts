/** The store alone: migrations, content addressing, retention, integrity, and a database that cannot be opened. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { VersionService } from '../../src/versions/version-service.ts';
import { VersionStore } from '../../src/versions/version-store.ts';
import { MIGRATIONS } from '../../src/versions/schema.ts';
import { tempDir, writeFiles } from '../control/helpers.ts';
import { loadSqlite } from '../../src/versions/sqlite.ts';

test('opening twice migrates once; rows survive a reopen', () => {
  const dir = tempDir('hotswap-store-');
  try {
    const file = join(dir, '.hotswap', 'versions.db');
    const first = VersionStore.open(file);
    first.record([{ module: 'a.ts', source: 'x', trigger: 'startup', result: 'committed' }]);
    first.close();
    const again = VersionStore.open(file);
    assert.equal(again.history().length, 1);
    assert.equal(again.integrityCheck(), 'ok');
    again.close();
    const { DatabaseSync } = loadSqlite();
    const raw = new DatabaseSync(file);
    assert.equal((raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length);
    assert.equal((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sources are stored once per SHA-256; seq counts per module; parents link', () => {
  const store = VersionStore.open(':memory:');
  const [a1] = store.record([{ module: 'a.ts', source: 'same', trigger: 'startup', result: 'committed' }]);
  const [b1, a2] = store.record([
    { module: 'b.ts', source: 'same', trigger: 'startup', result: 'committed' },
    { module: 'a.ts', source: 'other', parentId: a1?.id, trigger: 'watch', result: 'committed' },
  ]);
  assert.equal(store.sourceCount(), 2);
  assert.deepEqual([a1?.seq, b1?.seq, a2?.seq], [1, 1, 2]);
  assert.equal(store.bySeq('a.ts', 2)?.parentId, a1?.id);
  assert.equal(store.latest('a.ts')?.id, a2?.id);
  store.close();
});

test('prune keeps the newest n per module, every stable one and what runs; drops unused sources', () => {
  const store = VersionStore.open(':memory:');
  const rows = [];
  for (let i = 0; i < 10; i++) rows.push(...store.record([{ module: 'a.ts', source: `v${i}`, trigger: 'watch', result: 'committed' }]));
  store.setState(rows[1]?.id as number, 'stable');
  const removed = store.prune(3);
  assert.deepEqual(removed, { versions: 6, sources: 6 });
  assert.deepEqual(store.history({ module: 'a.ts' }).map((r) => r.seq), [10, 9, 8, 2]);
  assert.equal(store.source(rows[1]?.hash as string), 'v1', 'a stable version stays restorable');
  store.close();
});

test('a corrupt or unwritable database turns history off; the runtime keeps running', async () => {
  const dir = tempDir('hotswap-store-');
  try {
    writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': 'export const x = 1;\n' });
    mkdirSync(join(dir, '.hotswap'), { recursive: true });
    writeFileSync(join(dir, '.hotswap', 'versions.db'), 'this is not a database, just text that is long enough to have a header'.repeat(20));
    const runtime = createRuntime({ root: dir, cacheDir: false });
    const service = new VersionService(runtime);
    assert.equal(service.store, undefined);
    assert.match(service.unavailable ?? '', /cannot be opened .*running without history/);
    assert.deepEqual(service.problems(), [service.unavailable]);
    assert.equal((await runtime.import<{ x: number }>('main.ts')).x, 1);
    await runtime.close();

    if (process.getuid?.() !== 0) {
      const readOnly = join(dir, 'ro');
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o500);
      const other = createRuntime({ root: dir, cacheDir: false });
      const off = new VersionService(other, { file: join(readOnly, 'sub', 'versions.db') });
      assert.equal(off.store, undefined);
      assert.match(off.unavailable ?? '', /cannot be opened/);
      await other.close();
      chmodSync(readOnly, 0o700);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the newest row per module: kept in memory, right after a state change, a failed write and another connection', () => {
  const dir = tempDir('hotswap-store-');
  try {
    const file = join(dir, 'versions.db');
    const store = VersionStore.open(file);
    const [a1] = store.record([{ module: 'a.ts', source: 'one', trigger: 'startup', result: 'committed' }]);
    assert.equal(store.latest('a.ts')?.id, a1?.id);
    assert.deepEqual(store.latest('a.ts'), store.get(a1?.id as number), 'the row built in memory is the row stored');
    store.setState(a1?.id as number, 'stable', { calls: 3, errors: 1, meanMs: 0.5 });
    assert.deepEqual(store.latest('a.ts'), store.get(a1?.id as number), 'a state change shows');
    assert.equal(store.latest('a.ts')?.state, 'stable');
    assert.equal(a1?.state, 'probation', 'a row handed out before stays as it was');

    // A failed attempt is no committed version; a write that throws leaves nothing behind.
    store.record([{ module: 'a.ts', source: 'broken', trigger: 'apply', result: 'failed', error: { code: 'HS_SYNTAX', text: 'bad' } as never }]);
    assert.equal(store.latest('a.ts')?.id, a1?.id);
    assert.throws(() => store.record([
      { module: 'a.ts', source: 'two', trigger: 'watch', result: 'committed' },
      { module: null as unknown as string, source: 'x', trigger: 'watch', result: 'committed' },
    ]));
    assert.equal(store.latest('a.ts')?.id, a1?.id, 'the rolled-back insert is not the newest');
    assert.equal(store.history({ module: 'a.ts' }).length, 2);

    // Another connection (a second process on the same file) writes: the store reads it.
    const { DatabaseSync } = loadSqlite();
    const other = new DatabaseSync(file);
    other.prepare("INSERT INTO versions (module, seq, hash, trigger, created_at, result, state) VALUES ('a.ts', 9, NULL, 'api', 1, 'committed', 'stable')").run();
    other.close();
    assert.equal(store.latest('a.ts')?.seq, 9);
    const [a10] = store.record([{ module: 'a.ts', source: 'three', trigger: 'watch', result: 'committed' }]);
    assert.equal(a10?.seq, 10);
    assert.equal(store.latest('a.ts')?.id, a10?.id);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
