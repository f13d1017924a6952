import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';
import { minorGc, minorGcReportsCollections, settledHeap } from '../support/heap.ts';

// A replaced version should be garbage a young-generation GC can collect. V8 frees a map only in a
// full GC, so an object literal with a getter made per transaction (its own map, holding the
// getter, whose closure held the staging context) kept every version the transaction created
// alive, and promoted, until the next full GC: each scavenge copied them all (issue 12).
test('replaced versions of a module without classes die in young-generation GCs', async (t) => {
  // The version tracker sees collections through a FinalizationRegistry: on a V8 whose scavenges keep weak targets (Node 22) it cannot see these.
  if (!(await minorGcReportsCollections())) {
    t.skip(`V8 ${process.versions.v8} keeps FinalizationRegistry targets alive in young-generation GCs: not observable here`);
    return;
  }
  const lib = (n: number) => `export const value = ${n};\nexport function read(): number { return value * 2; }\n`;
  const p = createProject({ 'src/lib.ts': lib(0), 'src/main.ts': `import { read } from './lib.ts';\nexport const run = () => read();\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Record<string, () => number>>('src/main.ts');
  const file = join(p.dir, 'src/lib.ts');
  // Start from a finished full GC: no incremental marking under way while the scavenges below run.
  await settledHeap();
  const reloads = 8;
  for (let i = 1; i <= reloads; i++) {
    p.write('src/lib.ts', lib(i));
    assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
    assert.equal(main.run?.(), i * 2);
    // One scavenge per reload: a version alive at one (it was current) and dead at the next is collected by it.
    await minorGc();
  }
  await minorGc();
  // The tracker learns of a collection from FinalizationRegistry callbacks, tasks V8 posts after
  // the GC: on a loaded machine they may come later than the next turns. Wait for them (bounded,
  // no GC in between: waiting never frees anything, it only lets the callbacks report it).
  const alive = () => rt.retainedVersions().filter((v) => v.module === file);
  for (let turn = 0; turn < 100 && alive().length > 3; turn++) await new Promise((r) => setTimeout(r, 10));
  const retained = alive();
  t.diagnostic(`versions of lib.ts still alive after ${reloads} reloads and only young-generation GCs: ${retained.map((v) => v.version).join(', ') || 'none'}`);
  // The first ones may be in old space already (promoted while the app started); the later ones must be gone.
  assert.ok(retained.length <= 3, `${retained.length} of ${reloads} replaced versions outlived every young-generation GC: ${retained.map((v) => v.version).join(', ')}`);
});
