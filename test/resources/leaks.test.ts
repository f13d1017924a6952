/**
 * The leak report names replaced versions that user code keeps reachable, and
 * resources that stay alive after their release, with module, version and
 * (for a resource) the stack where it was created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;
const g = globalThis as any;

test('a version deliberately retained by user code is named in the leak report with its module; a collected one is not', async (t) => {
  const kept = (v: number): string => `const g = globalThis as any;\n(g.__kept ??= []).push(() => ${v});\nexport const v = ${v};\n`;
  const free = (v: number): string => `export const big = new Array(1000).fill(${v});\nexport const v = ${v};\n`;
  const p = createProject({
    'src/kept.ts': kept(1),
    'src/free.ts': free(1),
    'src/main.ts': `import { v } from './kept.ts';\nimport { v as w } from './free.ts';\nexport const run = () => [v, w];\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
    delete g.__kept;
  });
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/kept.ts', kept(2));
  p.write('src/free.ts', free(2));
  assert.equal((await rt.reload(['src/kept.ts', 'src/free.ts'])).status, 'committed');
  assert.deepEqual(main.run(), [2, 2]);
  const report = await rt.leaks({ gc: true });
  assert.equal(report.collected, true);
  const named = report.versions.map((v) => `${v.module}@${v.version}`);
  assert.ok(named.includes(`${p.path('src/kept.ts')}@1`), `kept.ts@1 is reported: ${named.join(', ')}`);
  assert.ok(!named.includes(`${p.path('src/free.ts')}@1`), `free.ts@1 was collected: ${named.join(', ')}`);
  assert.ok(!named.some((n) => n.endsWith('@2')), 'live versions are never reported');
});

test('a resource whose release failed stays in the report with its module, version and creation stack', async (t) => {
  const pool = (v: number): string => `const pool = import.meta.hot!.own({ v: ${v} }, () => {\n  throw new Error('pool will not close');\n});\nexport const v = pool.v;\n`;
  const p = createProject({ 'src/pool.ts': pool(1), 'src/main.ts': `import { v } from './pool.ts';\nexport const run = () => v;\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  const errors: string[] = [];
  rt.on('error', (error) => errors.push(error.message));
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  await rt.import<Ns>('src/main.ts');
  p.write('src/pool.ts', pool(2));
  assert.equal((await rt.reload(['src/pool.ts'])).status, 'committed');
  assert.match(errors.join('\n'), /Releasing own\(object\) of src\/pool\.ts failed: Error: pool will not close/);
  const leaked = (await rt.leaks()).resources.filter((r) => r.module === p.path('src/pool.ts'));
  assert.equal(leaked.length, 1);
  assert.equal(leaked[0]?.version, 1);
  assert.equal(leaked[0]?.kind, 'owned');
  assert.match(leaked[0]?.stack ?? '', /src\/pool\.ts:1:/, 'the stack points at the own() call in the source');
});
