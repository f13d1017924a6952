import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { minorGc, minorGcReportsCollections, settledHeap } from '../support/heap.ts';
import { runtimeProject } from '../support/runtime-project.ts';

// A replaced version should be garbage a young-generation GC can collect. V8 frees a map only in a
// full GC, and allocates a function literal assigned to a property in old space: an object literal
// with a getter made per transaction (its own map, holding the getter, whose closure held the
// staging context) kept every version the transaction created alive, and `require.resolve = (…) =>`
// each CommonJS version, until the next full GC, so each scavenge copied them all (issue 12).

/** Reload `lib` 8 times with only young-generation GCs between: how many replaced versions stay alive. */
async function replacedVersionsAlive(t: TestContext, libFile: string, lib: (n: number) => string, main: string): Promise<number[] | undefined> {
  // The version tracker sees collections through a FinalizationRegistry: on a V8 whose scavenges keep weak targets (Node 22) it cannot see these.
  if (!(await minorGcReportsCollections())) {
    t.skip(`V8 ${process.versions.v8} keeps FinalizationRegistry targets alive in young-generation GCs: not observable here`);
    return undefined;
  }
  const { p, rt } = runtimeProject(t, { [libFile]: lib(0), 'src/main.ts': main });
  const entry = await rt.import<Record<string, () => number>>('src/main.ts');
  const file = join(p.dir, libFile);
  // Start from a finished full GC: no incremental marking under way while the scavenges below run.
  await settledHeap();
  const reloads = 8;
  for (let i = 1; i <= reloads; i++) {
    p.write(libFile, lib(i));
    assert.equal((await rt.reload([libFile])).status, 'committed');
    assert.equal(entry.run?.(), i * 2);
    // One scavenge per reload: a version alive at one (it was current) and dead at the next is collected by it.
    await minorGc();
  }
  await minorGc();
  // The tracker learns of a collection from FinalizationRegistry callbacks, tasks V8 posts after
  // the GC: on a loaded machine they may come later than the next turns. Wait for them (bounded,
  // no GC in between: waiting never frees anything, it only lets the callbacks report it).
  const alive = (): number[] => rt.retainedVersions().filter((v) => v.module === file).map((v) => v.version);
  for (let turn = 0; turn < 100 && alive().length > 3; turn++) await new Promise((r) => setTimeout(r, 10));
  const retained = alive();
  t.diagnostic(`versions of ${libFile} still alive after ${reloads} reloads and only young-generation GCs: ${retained.join(', ') || 'none'}`);
  return retained;
}

test('replaced versions of an ES module without classes die in young-generation GCs', async (t) => {
  const lib = (n: number) => `export const value = ${n};\nexport function read(): number { return value * 2; }\n`;
  const retained = await replacedVersionsAlive(t, 'src/lib.ts', lib, `import { read } from './lib.ts';\nexport const run = () => read();\n`);
  // The first ones may be in old space already (promoted while the app started); the later ones must be gone.
  if (retained) assert.ok(retained.length <= 3, `${retained.length} of 8 replaced versions outlived every young-generation GC: ${retained.join(', ')}`);
});

test('replaced versions of a CommonJS module die in young-generation GCs', async (t) => {
  // `module.exports = { read }`, not `exports.read = function …`: that function literal would be allocated in old space (V8) and hold the module's context itself.
  const lib = (n: number) => `const value = ${n};\nfunction read() { return value * 2; }\nmodule.exports = { read };\n`;
  const retained = await replacedVersionsAlive(t, 'src/lib.cjs', lib, `import lib from './lib.cjs';\nexport const run = () => lib.read();\n`);
  if (retained) assert.ok(retained.length <= 3, `${retained.length} of 8 replaced versions outlived every young-generation GC: ${retained.join(', ')}`);
});
