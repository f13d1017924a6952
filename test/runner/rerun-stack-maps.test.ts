import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

// A module that re-runs because a dependency changed reuses its compiled script, and so its script
// name. The registry kept the names of the last 4 runs and dropped the oldest: after 4 such re-runs it
// dropped the name still running, and stack traces of that module showed generated `?v=1` positions.

const dep = (rev: number): string => `export const REV: number = ${rev};\n`;
const user = (extra = ''): string => `import { REV } from './dep.ts';\n\ninterface Shape {\n  a: number;\n}\nexport const seen: number = REV;\n${extra}export function fail(): never {\n  throw new Error('boom ' + seen);\n}\n`;

/** The first frame of `fail()`'s stack: `file:line:column`. */
function failFrame(ns: { fail(): never }): string {
  try {
    ns.fail();
  } catch (error) {
    const frame = (error as Error).stack?.split('\n')[1] ?? '';
    return /\(([^()]+)\)/.exec(frame)?.[1] ?? frame;
  }
  throw new Error('fail() did not throw');
}

test('stack traces of a module re-run many times with unchanged code, then edited, then re-run again, point at the .ts line', async (t) => {
  const p = createProject({ 'src/dep.ts': dep(0), 'src/user.ts': user() });
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const ns = await rt.import<{ fail(): never; seen: number }>('src/user.ts');
  const file = p.path('src/user.ts');
  assert.equal(failFrame(ns), `${file}:8:9`);
  let rev = 0;
  const rerun = async (): Promise<void> => {
    p.write('src/dep.ts', dep(++rev));
    const result = await rt.reload([p.path('src/dep.ts')]);
    assert.equal(result.status, 'committed');
    assert.equal(ns.seen, rev, 'user.ts re-ran');
  };
  for (let i = 0; i < 8; i++) {
    await rerun();
    assert.equal(failFrame(ns), `${file}:8:9`, `after ${rev} re-runs`);
  }
  // An edit of the module itself (new code, new script), then more re-runs of that code.
  p.write('src/user.ts', user('// two lines\n// further down\n'));
  assert.equal((await rt.reload([file])).status, 'committed');
  assert.equal(failFrame(ns), `${file}:10:9`);
  for (let i = 0; i < 8; i++) {
    await rerun();
    assert.equal(failFrame(ns), `${file}:10:9`, `after ${rev} re-runs of the edited code`);
  }
});
