/**
 * Validation skips the imports of a staged version that were already checked, while staging,
 * against the version the commit makes current (issue 12: the re-run of 1,000 modules checked
 * every import twice). What must still fail before the swap: an import bound to a module's
 * committed version whose staged version, made later in the same transaction, lacks the name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, isHotswapError } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

test('a name an importer bound to a committed version, gone from that module\'s version staged later in the same reload, fails validation', async (t) => {
  const p = createProject({
    // b re-exports c's names; a (staged first) binds b's committed version, which still has x.
    'src/c.ts': `export const x = 1;\nexport const y = 2;\n`,
    'src/b.ts': `export * from './c.ts';\n`,
    'src/a.ts': `import { x } from './b.ts';\nexport const seen = x;\n`,
    'src/main.ts': `import { seen } from './a.ts';\nexport const read = (): number => seen;\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.read(), 1);
  p.write('src/a.ts', `import { x } from './b.ts';\nexport const seen = x + 0;\n`);
  p.write('src/c.ts', `export const y = 2;\n`);
  const result = await rt.reload(['src/a.ts', 'src/c.ts']);
  assert.equal(result.status, 'failed', JSON.stringify(result));
  assert.ok(result.status === 'failed' && isHotswapError(result.error) && result.error.code === 'HS_MISSING_EXPORT', String(result.status === 'failed' && result.error));
  assert.equal(main.read(), 1, 'the committed versions keep serving');
});

test('imports checked while staging against the staged versions are not checked again, and a re-run of every module still commits', async (t) => {
  const files: Record<string, string> = { 'src/shared.ts': `export const REV = 1;\n` };
  for (let i = 0; i < 20; i++) files[`src/m${i}.ts`] = `import { REV } from './shared.ts';\n${i > 0 ? `import { w as below } from './m${i - 1}.ts';\n` : 'const below = 0;\n'}export const w = REV + below;\n`;
  const p = createProject(files);
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const top = await rt.import<Ns>('src/m19.ts');
  assert.equal(top.w, 20);
  p.write('src/shared.ts', `export const REV = 2;\n`);
  const result = await rt.reload(['src/shared.ts']);
  assert.equal(result.status, 'committed');
  assert.equal(top.w, 40);
});
