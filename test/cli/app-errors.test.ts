/**
 * The app's own errors are shown as the app's: its message, the source-mapped
 * stack and a code frame, under HS_APP_UNCAUGHT (never HS_INTERNAL). A port
 * in use says which port; a failed start says the app is waiting for a fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';

const UNCAUGHT = [
  `console.log('ready');`,
  `setTimeout(() => { throw new Error('late'); }, 1);`,
  `setTimeout(() => { Promise.reject(new Error('rejected late')); }, 5);`,
  `setInterval(() => {}, 1000);`,
  ``,
].join('\n');

for (const [name, pattern, line, column] of [
  ['an uncaught exception', /HS_APP_UNCAUGHT: uncaught exception in the app: Error: late/, 2, 26],
  ['an unhandled rejection', /HS_APP_UNCAUGHT: unhandled promise rejection in the app: Error: rejected late/, 3, 35],
] as const) {
  test(`${name} of the app is shown as the app's: mapped location, code frame, stack`, async (t) => {
    const p = createProject({ 'src/main.ts': UNCAUGHT });
    const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
    t.after(async () => {
      await cli.stop();
      p.cleanup();
    });
    const header = await cli.waitForLine('stderr', pattern);
    assert.ok(header.includes(`src/main.ts:${line}:${column}`), header);
    assert.doesNotMatch(cli.stderr.join('\n'), /HS_INTERNAL|please report/);
    const from = cli.stderr.indexOf(header);
    await cli.waitForLine('stderr', /hint:/, 10_000, from);
    const block = cli.stderr.slice(from, cli.stderr.findIndex((l, i) => i > from && l.includes('hint:')) + 1).join('\n');
    assert.match(block, new RegExp(`> ${line} \\| `), `a code frame of the throwing line:\n${block}`);
    assert.match(block, new RegExp(`at .*src/main\\.ts:${line}:${column}`), `the mapped stack:\n${block}`);
    assert.doesNotMatch(block, /\?v=\d/, 'no transformed script names');
  });
}

test('--no-keep-alive: node\'s crash print, with the .ts location and the original line, and exit code 1', async (t) => {
  const p = createProject({ 'src/main.ts': `const value: number = 1;\nsetTimeout(() => { throw new Error('late ' + value); }, 1);\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-control', '--no-keep-alive', 'src/main.ts'], { cwd: p.dir });
  const { code } = await cli.exited;
  assert.equal(code, 1);
  const text = cli.stderr.join('\n');
  assert.ok(cli.stderr.includes(`${p.path('src/main.ts')}:2`), text);
  assert.ok(cli.stderr.includes(`setTimeout(() => { throw new Error('late ' + value); }, 1);`), `the original line, not the transformed one:\n${text}`);
  assert.match(text, /Error: late 1\n\s+at .*src\/main\.ts:2:26/);
  assert.doesNotMatch(text, /\?v=\d|HS_INTERNAL/);
});

test('an app that handles uncaught exceptions itself owns them, as under node', async (t) => {
  const p = createProject({
    'src/main.ts': `process.on('uncaughtException', (e) => { console.log('app handled', e.message); process.exit(0); });\nsetTimeout(() => { throw new Error('mine'); }, 1);\nsetInterval(() => {}, 1000);\n`,
  });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 0);
  assert.ok(cli.stdout.includes('app handled mine'));
  assert.doesNotMatch(cli.stderr.join('\n'), /HS_APP_UNCAUGHT|HS_INTERNAL/);
});

test('a port in use at start names the port, the other process and how to choose another', async (t) => {
  const blocker: Server = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as AddressInfo).port;
  const p = createProject({
    'src/main.ts': `import { createServer } from 'node:http';\ncreateServer(() => {}).listen(${port}, '127.0.0.1', () => console.log('listening'));\n`,
  });
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    blocker.close();
    p.cleanup();
  });
  const line = await cli.waitForLine('stderr', /HS_PORT_IN_USE/);
  assert.match(line, new RegExp(`port ${port} is already in use: another process holds it`));
  await cli.waitForLine('stderr', new RegExp(`hint: .*lsof -i :${port}.*another port`));
  assert.doesNotMatch(cli.stderr.join('\n'), /HS_INTERNAL/);
});

test('a failed start says the app is waiting for a fix, not that a last good version serves', async (t) => {
  const p = createProject({ 'src/main.ts': `const x: number = ;\n` });
  const cli = startCli(['run', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stderr', /did not start: it is waiting for a fix/);
  // The control server starts after the failed start: the next attempt must happen while it listens.
  await cli.waitForLine('stderr', /dashboard http/);
  const from = cli.stderr.length;
  // Atomically: a truncating write can be read while empty, and an empty entry is a valid one.
  p.writeAtomic('src/main.ts', `const y: number = ;\n`);
  await cli.waitForLine('stderr', /start attempt #\d+ failed \(src\/main\.ts\); the app has not started yet and is waiting for a fix/, 30_000, from);
  const status = startCli(['status'], { cwd: p.dir });
  await status.exited;
  assert.ok(status.stdout.some((l) => /problem +reload #\d+ failed: .*; the app has not started yet: it is waiting for a fix$/.test(l)), status.stdout.join('\n'));
  const reload = startCli(['reload', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await reload.exited).code, 1);
  assert.match(reload.stdout.join('\n'), /✗ reload #\d+ failed; the app has not started yet: it is waiting for a fix/);
  p.write('src/main.ts', `console.log('started');\nsetInterval(() => {}, 1000);\n`);
  await cli.waitForLine('stdout', /started/);
  assert.doesNotMatch(cli.stderr.join('\n'), /keeps serving/);
});


test('--no-keep-alive: an unhandled rejection exits as under node, with the .ts location', async (t) => {
  const p = createProject({ 'src/main.ts': `const n: number = 2;\nsetTimeout(() => { void Promise.reject(new Error('rejected ' + n)); }, 1);\nsetInterval(() => {}, 1000);\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-control', '--no-keep-alive', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 1);
  const text = cli.stderr.join('\n');
  assert.ok(cli.stderr.includes(`${p.path('src/main.ts')}:2`), text);
  assert.match(text, /Error: rejected 2\n\s+at .*src\/main\.ts:2:\d+/);
  assert.doesNotMatch(text, /\?v=\d|HS_INTERNAL/);
});
