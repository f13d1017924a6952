/**
 * Restart on a broken disk (issue 10, point 8): a process restarted while
 * modules on disk do not load (a syntax error, a throw at top level) starts
 * on their last stable versions from the store, in memory, and says so on
 * stderr, in status and on the event stream; a valid save of the file
 * switches to the disk version and the warning clears. Without a stable
 * version the app waits for a fix, as before.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, saveFile, spawnCli, waitUntil, type CliProcess } from '../control/helpers.ts';
import { apiHistory, startVersionApp } from './helpers.ts';

const BROKEN_ENGINE = `export function engineVersion(): string {
  return 'v2' +;
}
`;
const THROWING_USER = `import { engineVersion } from './engine.ts';
throw new Error('user module is broken at top level');
export function userTag(): string {
  return 'user:' + engineVersion();
}
`;
const FIXED_ENGINE = `export function engineVersion(): string {
  return 'v3';
}
`;

function listening(app: CliProcess): Promise<string> {
  return app.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 'the app to listen').then((m) => m[1] as string);
}

async function problems(dir: string): Promise<string[]> {
  const status = await runCli(['status', '--json'], dir);
  return (JSON.parse(status.stdout) as { status: { problems: string[] } }).status.problems;
}

test('restarted with broken modules on disk: runs their stable versions, says so, and takes the fix', async () => {
  const v = await startVersionApp({}, { windowMs: 300 });
  let app: CliProcess | undefined;
  try {
    for (const module of ['lib/engine.ts', 'lib/user.ts']) {
      await waitUntil(async () => (await apiHistory(v, module))[0]?.state === 'stable', `${module} to become stable`);
    }
    const [stableEngine] = await apiHistory(v, 'lib/engine.ts');
    await v.app.kill();
    saveFile(join(v.dir, 'lib', 'engine.ts'), BROKEN_ENGINE);
    saveFile(join(v.dir, 'lib', 'user.ts'), THROWING_USER);

    app = spawnCli(['run', 'main.ts'], { cwd: v.dir });
    const url = await listening(app);
    await app.waitFor(/control http/, 'the control server');
    assert.equal(await (await fetch(`${url}/engineVersion`)).text(), 'v1', 'the stable engine serves');
    assert.equal(await (await fetch(`${url}/userTag`)).text(), 'user:v1', 'the stable user module serves');
    const stderr = app.stderr();
    assert.match(stderr, /\[hotswap\] ⚠ lib\/engine\.ts on disk does not load \(HS_SYNTAX at 2:\d+\); running its last stable version lib\/engine\.ts@\d+ from \d{4}-\d\d-\d\dT[\d:.]+Z instead — fix the file and save/);
    assert.match(stderr, /⚠ lib\/user\.ts on disk does not load \(HS_\w+ at 2:\d+\); running its last stable version lib\/user\.ts@\d+ .* instead/);
    assert.ok(stderr.includes(`lib/engine.ts@${stableEngine?.seq}`), stderr);
    assert.equal(v.read('lib/engine.ts'), BROKEN_ENGINE, 'the file on disk is not touched');

    const before = await problems(v.dir);
    assert.ok(before.some((p) => /^lib\/engine\.ts: the running code .* differs from the file on disk .*does not load \(HS_SYNTAX/.test(p)), before.join('\n'));
    assert.ok(before.some((p) => p.startsWith('lib/user.ts: the running code')), before.join('\n'));
    const info = JSON.parse(v.read('.hotswap/control.json')) as { url: string };
    const recent = (await (await fetch(`${info.url}/api/events/recent`, { headers: { authorization: `Bearer ${v.read('.hotswap/token').trim()}` } })).json()) as { events: { type: string; text?: string }[] };
    assert.equal(recent.events.filter((e) => e.type === 'versions:started-on-stable').length, 2, JSON.stringify(recent.events.map((e) => e.type)));

    // A save that is still broken changes nothing: the stable version keeps serving.
    saveFile(join(v.dir, 'lib', 'engine.ts'), BROKEN_ENGINE.replace("'v2'", "'v2b'"));
    await app.waitFor(/reload #\d+ failed|✗ .*lib\/engine\.ts/, 'the broken save to fail');
    assert.equal(await (await fetch(`${url}/engineVersion`)).text(), 'v1');

    saveFile(join(v.dir, 'lib', 'engine.ts'), FIXED_ENGINE);
    await waitUntil(async () => (await (await fetch(`${url}/engineVersion`)).text()) === 'v3', 'the fixed disk version to serve');
    const after = await problems(v.dir);
    assert.ok(!after.some((p) => p.startsWith('lib/engine.ts:')), after.join('\n'));
    assert.ok(after.some((p) => p.startsWith('lib/user.ts:')), 'the module still broken on disk is still reported');
  } finally {
    await app?.kill();
    await v.close();
  }
});

test('no stable version: a restart on a broken disk waits for a fix, as before', async () => {
  // A probation window that never ends during the test: the start-up versions are never stable.
  const v = await startVersionApp({}, { windowMs: 600_000 });
  let app: CliProcess | undefined;
  try {
    await v.app.kill();
    saveFile(join(v.dir, 'lib', 'engine.ts'), BROKEN_ENGINE);
    app = spawnCli(['run', 'main.ts'], { cwd: v.dir });
    await app.waitFor(/the app did not start: it is waiting for a fix/, 'the start to fail');
    assert.doesNotMatch(app.stderr(), /running its last stable version/);
    saveFile(join(v.dir, 'lib', 'engine.ts'), FIXED_ENGINE);
    const url = await listening(app);
    assert.equal(await (await fetch(`${url}/engineVersion`)).text(), 'v3');
  } finally {
    await app?.kill();
    await v.close();
  }
});
