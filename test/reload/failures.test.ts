import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type ReloadResult } from '../../src/index.ts';
import { createProject, waitFor } from '../support/project.ts';

type Ns = Record<string, any>;

const GOOD = `export function greet(name: string): string {\n  return 'hello ' + name;\n}\n`;

function setup(t: TestContext) {
  const p = createProject({
    'src/greet.ts': GOOD,
    'src/main.ts': `import { greet } from './greet.ts';\nexport const run = () => greet('bob');\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  return { p, rt };
}

function assertFailed(result: ReloadResult, code: string, file: string, line: number): void {
  assert.equal(result.status, 'failed', `expected a failed reload, got ${result.status}`);
  if (result.status !== 'failed') return;
  assert.equal(result.error.code, code, result.error.message);
  assert.equal(result.error.location?.file, file);
  assert.equal(result.error.location?.line, line, `line of ${result.error.message}`);
  assert.ok((result.error.location?.column ?? 0) >= 1);
  assert.match(result.error.frame ?? '', new RegExp(`> +${line} \\|`), 'the code frame marks the line');
}

async function assertRecovers(p: ReturnType<typeof createProject>, rt: ReturnType<typeof createRuntime>, main: Ns): Promise<void> {
  assert.equal(main.run(), 'hello bob', 'the last good version keeps serving');
  p.write('src/greet.ts', GOOD.replace('hello', 'fixed'));
  const fixed = await rt.reload(['src/greet.ts']);
  assert.equal(fixed.status, 'committed');
  assert.equal(main.run(), 'fixed bob', 'fixing the file reloads normally');
}

test('a syntax error keeps the last good version and reports file:line:col with a code frame', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `export function greet(name: string): string {\n  return 'hello ' + ;\n}\n`);
  assertFailed(await rt.reload(['src/greet.ts']), 'HS_SYNTAX', p.path('src/greet.ts'), 2);
  await assertRecovers(p, rt, main);
});

test('a throw at top level keeps the last good version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `${GOOD}\nconst config: Record<string, string> = {};\nif (!config.x) {\n  throw new Error('missing config');\n}\n`);
  const result = await rt.reload(['src/greet.ts']);
  assertFailed(result, 'HS_EVALUATION', p.path('src/greet.ts'), 7);
  assert.match(result.status === 'failed' ? result.error.message : '', /missing config/);
  await assertRecovers(p, rt, main);
});

test('a rejected top-level await keeps the last good version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `${GOOD}await Promise.resolve();\nawait Promise.reject(new Error('db down'));\n`);
  const result = await rt.reload(['src/greet.ts']);
  assertFailed(result, 'HS_EVALUATION', p.path('src/greet.ts'), 5);
  await assertRecovers(p, rt, main);
});

test('an import of a missing file keeps the last good version and points at the import', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `import { nope } from './does-not-exist.ts';\nexport const used = nope;\n${GOOD}`);
  assertFailed(await rt.reload(['src/greet.ts']), 'HS_MODULE_NOT_FOUND', p.path('src/greet.ts'), 1);
  await assertRecovers(p, rt, main);
});

test('an export removed while an importer still uses it keeps the last good version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `export function welcome(name: string): string {\n  return 'hi ' + name;\n}\n`);
  const result = await rt.reload(['src/greet.ts']);
  assertFailed(result, 'HS_MISSING_EXPORT', p.path('src/main.ts'), 1);
  assert.match(result.status === 'failed' ? result.error.message : '', /imports "greet"/);
  await assertRecovers(p, rt, main);
});

test('a function export that becomes a value is refused (callers hold its forwarder)', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `export const greet = 'not a function';\n`);
  const result = await rt.reload(['src/greet.ts']);
  assert.equal(result.status, 'failed');
  assert.equal(result.status === 'failed' && result.error.code, 'HS_EXPORT_KIND_CHANGED');
  await assertRecovers(p, rt, main);
});

test('a failed staging leaks no timers of the broken version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  const g = globalThis as any;
  g.__leak = 0;
  t.after(() => delete g.__leak);
  p.write('src/greet.ts', `${GOOD}setInterval(() => { (globalThis as any).__leak++; }, 1);\nthrow new Error('after timer');\n`);
  assert.equal((await rt.reload(['src/greet.ts'])).status, 'failed');
  const seen = g.__leak;
  // A witness interval of the same period, started after the failure: timers of one period fire
  // in the order they were created, so once it ticked 5 times, a surviving interval would have too.
  let ticks = 0;
  const witness = setInterval(() => ticks++, 1);
  t.after(() => clearInterval(witness));
  await waitFor(() => ticks >= 5, 10_000, 'the witness interval to tick');
  assert.equal(g.__leak, seen, 'the interval of the aborted version was cleared');
  await assertRecovers(p, rt, main);
});

test('an error in reloaded code has a stack trace that points at the .ts source line', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/greet.ts', `type Name = string;\n\ninterface Options {\n  loud: boolean;\n}\n\nexport function greet(name: Name, options?: Options): string {\n  if (name === 'bob') throw new Error('no bobs');\n  return options?.loud ? name.toUpperCase() : name;\n}\n`);
  assert.equal((await rt.reload(['src/greet.ts'])).status, 'committed');
  let stack = '';
  try {
    main.run();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  assert.match(stack, /no bobs/);
  assert.ok(stack.includes(`${p.path('src/greet.ts')}:8:`), `stack points at greet.ts line 8:\n${stack}`);
  assert.ok(stack.includes(`${p.path('src/main.ts')}:2:`), `and at main.ts line 2:\n${stack}`);
  assert.ok(!stack.includes('?v='), 'no internal script names');
});

test('a module re-run many times with unchanged code keeps its mapped stack traces (one script, one map entry)', async (t) => {
  const p = createProject({
    'src/rev.ts': `export const REV = 0;\n`,
    'src/thrower.ts': `import { REV } from './rev.ts';\n\ntype T = number;\nexport const seen: T = REV;\nexport function boom(): never {\n  throw new Error('boom at ' + seen);\n}\n`,
    'src/main.ts': `import { boom } from './thrower.ts';\nexport const run = () => boom();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const main = await rt.import<Ns>('src/main.ts');
  // More re-runs than the maps kept per module (4): the running code's map must be the one kept.
  for (let rev = 1; rev <= 7; rev++) {
    p.write('src/rev.ts', `export const REV = ${rev};\n`);
    const result = await rt.reload(['src/rev.ts']);
    assert.equal(result.status, 'committed');
    assert.ok(result.status === 'committed' && result.updated.some((u) => u.file === p.path('src/thrower.ts')), 'thrower.ts re-ran');
  }
  let stack = '';
  try {
    main.run();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  assert.match(stack, /boom at 7/);
  assert.ok(stack.includes(`${p.path('src/thrower.ts')}:6:`), `stack points at thrower.ts line 6:\n${stack}`);
  assert.ok(!stack.includes('?v='), `no internal script names:\n${stack}`);
});

test('a broken entry at startup rejects with a located error, and a fix starts it', async (t) => {
  const p = createProject({ 'src/main.ts': `export const x = ;\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  await assert.rejects(rt.import('src/main.ts'), (error: any) => error.code === 'HS_SYNTAX' && error.location.line === 1);
  p.write('src/main.ts', `export const x = 1;\n`);
  const result = await rt.reload(['src/main.ts']);
  assert.equal(result.status, 'committed');
});

test('a broken file does not block an unrelated edit, and is retried when a module it imports changes', async (t) => {
  const p = createProject({
    'src/dep.ts': `export const a = 1;\n`,
    'src/broken.ts': `import { a } from './dep.ts';\nexport const useA = () => a;\n`,
    'src/other.ts': `export const other = () => 'one';\n`,
    'src/main.ts': `import { useA } from './broken.ts';\nimport { other } from './other.ts';\nexport const run = () => [useA(), other()];\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/broken.ts', `import { a, b } from './dep.ts';\nexport const useA = () => a + b;\n`);
  assert.equal((await rt.reload(['src/broken.ts'])).status, 'failed', 'b is not exported yet');
  p.write('src/other.ts', `export const other = () => 'two';\n`);
  assert.equal((await rt.reload(['src/other.ts'])).status, 'committed', 'an unrelated edit goes live');
  assert.deepEqual(main.run(), [1, 'two']);
  p.write('src/dep.ts', `export const a = 1;\nexport const b = 10;\n`);
  const fixed = await rt.reload(['src/dep.ts']);
  assert.equal(fixed.status, 'committed');
  assert.ok(fixed.status === 'committed' && fixed.updated.some((u) => u.file === p.path('src/broken.ts')), 'the broken module was retried with its dependency');
  assert.deepEqual(main.run(), [11, 'two']);
});

test('a member removed from a namespace import is a warning naming the reader, not a failure (issue 9, case 7)', async (t) => {
  const p = createProject({
    'src/handlers.ts': `export function hello() { return 'hi'; }\nexport function bye() { return 'bye'; }\n`,
    'src/main.ts': `import * as handlers from './handlers.ts';\nexport const run = () => (typeof handlers.hello === 'function' ? handlers.hello() : 'none') + ((handlers as any).optional?.() ?? '');\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/handlers.ts', `export function bye() { return 'bye'; }\n`);
  const result = await rt.reload(['src/handlers.ts']);
  assert.equal(result.status, 'committed', 'Node would link this: a namespace member may be absent');
  assert.ok(result.status === 'committed' && result.warnings?.length === 1);
  const warning = result.status === 'committed' ? result.warnings?.[0] : undefined;
  assert.equal(warning?.file, p.path('src/main.ts'), 'the warning names the reader');
  assert.match(warning?.message ?? '', /src\/main\.ts:1 reads "hello" .*no longer exports: it reads undefined now/);
  assert.equal(main.run(), 'none');
  p.write('src/handlers.ts', `export function hello() { return 'hello'; }\n`);
  const back = await rt.reload(['src/handlers.ts']);
  assert.equal(back.status, 'committed', 'an optional member that never existed does not block');
  assert.equal(back.status === 'committed' && back.warnings, undefined, 'bye is read by nobody: no warning');
  assert.equal(main.run(), 'hello');
});

test('a tsconfig.json that cannot be read costs only its paths, and the error says so', async (t) => {
  const p = createProject({
    'tsconfig.json': JSON.stringify({ extends: './missing-base.json', compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['src/lib/*'] } } }),
    'src/lib/x.ts': `export const x = 1;\n`,
    'src/main.ts': `import { x } from './lib/x.ts';\nexport const run = () => x;\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.run(), 1, 'relative imports still resolve');
  p.write('src/main.ts', `import { x } from '@lib/x';\nexport const run = () => x + 1;\n`);
  const result = await rt.reload(['src/main.ts']);
  assert.equal(result.status, 'failed');
  assert.equal(result.status === 'failed' && result.error.code, 'HS_MODULE_NOT_FOUND');
  assert.match(result.status === 'failed' ? (result.error.hint ?? '') : '', /tsconfig\.json could not be read/);
});
