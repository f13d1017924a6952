import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { runtimeProject } from '../support/runtime-project.ts';

type Ns = Record<string, any>;

// import.meta, import() and `export *` are handed to a version only when its code names them
// (module-registry.ts #evaluate): a version that gains one of them in a reload must get it.
test('a version gets import.meta, import() and export * only when its code uses them, and a reload that adds them works', async (t) => {
  const { p, rt } = runtimeProject(t, {
    'src/dep.ts': `export const extra = 'from dep';\nexport function twice(n: number): number { return n * 2; }\n`,
    'src/lib.ts': `export function where(): string { return 'nowhere'; }\nexport async function load(): Promise<string> { return 'nothing'; }\n`,
    'src/main.ts': `export * as lib from './lib.ts';\n`,
  });
  const { lib } = await rt.import<Ns>('src/main.ts');
  const libFile = join(p.dir, 'src/lib.ts');
  assert.deepEqual({ ...rt.moduleVersion(libFile)!.uses }, { ssrImport: false, meta: false, dynamicImport: false, exportAll: false });
  assert.equal(lib.where(), 'nowhere');

  // Each one used only inside a function, called after the reload: the names are in the code all the same.
  p.write(
    'src/lib.ts',
    `export * from './dep.ts';\nexport function where(): string { return import.meta.url; }\nexport async function load(): Promise<string> { return (await import('./dep.ts')).extra; }\n`,
  );
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.deepEqual({ ...rt.moduleVersion(libFile)!.uses }, { ssrImport: false, meta: true, dynamicImport: true, exportAll: true });
  assert.equal(lib.where(), pathToFileURL(libFile).href);
  assert.equal(await lib.load(), 'from dep');
  assert.equal(lib.twice(21), 42, 'export * brought in the names of dep.ts');

  // Back to code that names none of them: the functions that kept them are replaced, nothing breaks.
  p.write('src/lib.ts', `export function where(): string { return 'back'; }\nexport async function load(): Promise<string> { return 'none'; }\n`);
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(lib.where(), 'back');
  assert.equal(await lib.load(), 'none');
  assert.equal(lib.twice, undefined, 'the names export * brought are gone with it');
});
