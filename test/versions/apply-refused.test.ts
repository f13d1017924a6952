/**
 * An apply that cannot go live changes nothing: a syntax error, a failing
 * `import.meta.hot.check` and a removed export that another module imports
 * leave the file and the running code as they were, and the CLI exits
 * non-zero with the error's location and code frame. Paths outside the roots
 * are refused before anything is read or written, and the read-only panel
 * token can read history but never apply or roll back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ENGINE, history, startVersionApp, type VersionApp } from './helpers.ts';

let v: VersionApp;
let outside: string;
const OUTSIDE = 'export const untouched = true;\n';

before(async () => {
  v = await startVersionApp();
  outside = mkdtempSync(join(tmpdir(), 'hotswap-outside-'));
  writeFileSync(join(outside, 'x.ts'), OUTSIDE);
  symlinkSync(join(outside, 'x.ts'), join(v.dir, 'lib', 'link.ts'));
  writeFileSync(join(v.dir, 'fix.ts'), "export function engineVersion(): string {\n  return 'v2';\n}\n");
});
after(async () => {
  await v.close();
  rmSync(outside, { recursive: true, force: true });
});

async function assertUnchanged(): Promise<void> {
  assert.equal(v.read('lib/engine.ts'), ENGINE, 'the file on disk is unchanged');
  assert.equal((await v.call('engineVersion')).body, 'v1', 'the running code is unchanged');
  assert.equal((await v.call('userTag')).body, 'user:v1');
}

describe('apply failures change neither file nor code', () => {
  test('syntax error: located, with a code frame', async () => {
    writeFileSync(join(v.dir, 'broken.ts'), "export function engineVersion(): string {\n  return 'v2'\n  if (\n}\n");
    const result = await v.cli('apply', 'lib/engine.ts', '--from', 'broken.ts', '--yes');
    assert.notEqual(result.code, 0);
    const out = result.stdout + result.stderr;
    assert.match(out, /lib\/engine\.ts:4:1 HS_SYNTAX/);
    assert.match(out, /> 4 \| \}/);
    await assertUnchanged();
  });

  test('a failing import.meta.hot.check aborts before the swap', async () => {
    writeFileSync(join(v.dir, 'checked.ts'), "export function engineVersion(): string {\n  return 'v2';\n}\nimport.meta.hot?.check((staged) => {\n  if (staged.engineVersion() !== 'v1') throw new Error('engineVersion must stay v1');\n});\n");
    const result = await v.cli('apply', 'lib/engine.ts', '--from', 'checked.ts', '--yes');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /apply of lib\/engine\.ts failed: the file and the running code are unchanged/);
    assert.match(result.stdout, /lib\/engine\.ts:5:\d+ HS_CHECK_FAILED: A check of lib\/engine\.ts failed: Error: engineVersion must stay v1/);
    assert.match(result.stdout, /> 5 \| {3}if \(staged\.engineVersion\(\) !== 'v1'\)/);
    await assertUnchanged();
    const [attempt] = await history(v, 'lib/engine.ts');
    assert.deepEqual([attempt?.trigger, attempt?.result, attempt?.error?.code], ['apply', 'failed', 'HS_CHECK_FAILED'], 'the attempt is in the audit trail');
  });

  test('removing an export that another module imports', async () => {
    writeFileSync(join(v.dir, 'removed.ts'), 'export function somethingElse(): string {\n  return "x";\n}\n');
    const result = await v.cli('apply', 'lib/engine.ts', '--from', 'removed.ts', '--yes');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /breaks +lib\/user\.ts \(engineVersion\): uses a removed export/, 'the impact says so first');
    assert.match(result.stdout, /lib\/user\.ts:1:\d+ HS_MISSING_EXPORT/);
    assert.match(result.stdout, /> 1 \| import \{ engineVersion \} from '\.\/engine\.ts';/);
    await assertUnchanged();
  });

  test('--dry-run shows the impact and changes nothing', async () => {
    const result = await v.cli('apply', 'lib/engine.ts', '--from', 'fix.ts', '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /-  return 'v1';\n\+  return 'v2';/);
    assert.match(result.stdout, /running v\d+: 0 call\(s\) in flight/);
    await assertUnchanged();
  });
});

describe('paths outside the roots are refused before anything is written', () => {
  for (const [label, module] of [
    ['a ".." segment', '../x.ts'],
    ['an absolute path elsewhere', 'OUTSIDE'],
    ['a symlink that points out', 'lib/link.ts'],
  ] as const) {
    test(`apply: ${label}`, async () => {
      const target = module === 'OUTSIDE' ? join(outside, 'x.ts') : module;
      const result = await v.cli('apply', target, '--from', 'fix.ts', '--yes');
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /HS_PATH_OUTSIDE_ROOTS/);
      assert.equal(readFileSync(join(outside, 'x.ts'), 'utf8'), OUTSIDE);
      await assertUnchanged();
    });
    test(`rollback: ${label}`, async () => {
      const target = module === 'OUTSIDE' ? join(outside, 'x.ts') : module;
      const result = await v.cli('rollback', `${target}@1`);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /HS_PATH_OUTSIDE_ROOTS/);
      assert.equal(readFileSync(join(outside, 'x.ts'), 'utf8'), OUTSIDE);
    });
  }
});

test('the read-only panel token reads history but cannot apply or roll back', async () => {
  const info = JSON.parse(v.read('.hotswap/control.json')) as { url: string };
  const panel = v.read('.hotswap/panel-token').trim();
  const headers = { authorization: `Bearer ${panel}`, 'content-type': 'application/json' };
  const read = await fetch(`${info.url}/api/history`, { headers });
  assert.equal(read.status, 200);
  const apply = await fetch(`${info.url}/api/apply`, { method: 'POST', headers, body: JSON.stringify({ module: 'lib/engine.ts', code: 'export const x = 1;\n' }) });
  assert.equal(apply.status, 403);
  const rollback = await fetch(`${info.url}/api/rollback`, { method: 'POST', headers, body: JSON.stringify({ target: 1 }) });
  assert.equal(rollback.status, 403);
  await assertUnchanged();
});
