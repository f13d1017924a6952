/**
 * Under `hotswap run` the app's argv, exit code, signals and stdio behave as
 * under plain node, and hotswap's own output stays on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';

test('argv reaches the app, flags after the entry are the app\'s, and the exit code is the app\'s', async (t) => {
  const p = createProject({ 'src/main.ts': `console.log(JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = 3;\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-watch', '--no-control', 'src/main.ts', 'a', '--port', '5', '--verbose'], { cwd: p.dir });
  const { code } = await cli.exited;
  assert.equal(cli.stdout[0], JSON.stringify(['a', '--port', '5', '--verbose']));
  assert.equal(code, 3);
  assert.ok(cli.stderr.every((l) => l === '' || l.startsWith('[hotswap]')), `stderr: ${cli.stderr.join('\n')}`);
  assert.equal(cli.stdout.length, 1, 'nothing but the app on stdout');
});

test('SIGTERM runs dispose handlers, then the process exits by the signal', async (t) => {
  const p = createProject({
    'src/main.ts': `setInterval(() => {}, 1000);\nimport.meta.hot?.dispose(() => { console.log('disposed'); });\nconsole.log('ready');\n`,
  });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  await cli.waitForLine('stdout', /ready/);
  const { signal } = await cli.stop('SIGTERM');
  assert.equal(signal, 'SIGTERM');
  assert.ok(cli.stdout.includes('disposed'), `stdout: ${cli.stdout.join('\n')}`);
});

test('an app that handles SIGINT itself owns the shutdown', async (t) => {
  const p = createProject({
    'src/main.ts': `const t = setInterval(() => {}, 1000);\nprocess.on('SIGINT', () => { console.log('app got SIGINT'); clearInterval(t); process.exitCode = 7; });\nconsole.log('ready');\n`,
  });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-watch', '--no-control', 'src/main.ts'], { cwd: p.dir });
  await cli.waitForLine('stdout', /ready/);
  cli.child.kill('SIGINT');
  const { code } = await cli.exited;
  assert.equal(code, 7);
  assert.ok(cli.stdout.includes('app got SIGINT'));
});

test('a broken entry with --no-watch exits 1 with a located error', async (t) => {
  const p = createProject({ 'src/main.ts': `const x: number = ;\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-watch', '--no-control', 'src/main.ts'], { cwd: p.dir });
  const { code } = await cli.exited;
  assert.equal(code, 1);
  assert.ok(cli.stderr.some((l) => l.includes('src/main.ts:1:') && l.includes('HS_SYNTAX')), cli.stderr.join('\n'));
});

test('a broken entry while watching waits for the fix and then starts', async (t) => {
  const p = createProject({ 'src/main.ts': `const x: number = ;\n` });
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stderr', /waiting for a fix/);
  p.write('src/main.ts', `console.log('started after fix');\nsetInterval(() => {}, 1000);\n`);
  await cli.waitForLine('stdout', /started after fix/);
});

test('HOTSWAP_ENABLED=false runs the app with reload off', async (t) => {
  const p = createProject({ 'src/main.ts': `console.log('hot', typeof import.meta.hot);\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--verbose', '--no-control', 'src/main.ts'], { cwd: p.dir, env: { HOTSWAP_ENABLED: 'false' } });
  const { code } = await cli.exited;
  assert.equal(code, 0, 'no watcher keeps it alive: it exits like plain node');
  assert.ok(cli.stderr.some((l) => l.includes('hot reload off')), cli.stderr.join('\n'));
});

test('bad usage gets a clear error and exit code 2', async (t) => {
  const p = createProject({});
  t.after(() => p.cleanup());
  const missing = startCli(['run', 'nope.ts'], { cwd: p.dir });
  assert.equal((await missing.exited).code, 2);
  assert.ok(missing.stderr.some((l) => l.includes('Entry file not found: nope.ts')));
  const badFlag = startCli(['run', '--log-format', 'xml', 'nope.ts'], { cwd: p.dir });
  assert.equal((await badFlag.exited).code, 2);
  const unknown = startCli(['frobnicate'], { cwd: p.dir });
  assert.equal((await unknown.exited).code, 2);
  assert.ok(unknown.stderr.some((l) => l.includes('Unknown command')));
});

test('config from package.json "hotswap" is applied and a bad key is a clear error', async (t) => {
  const p = createProject({ 'src/main.ts': `console.log('ok');\n` });
  t.after(() => p.cleanup());
  p.write('package.json', JSON.stringify({ type: 'module', hotswap: { watch: false, settle: 5 } }));
  const bad = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await bad.exited).code, 2);
  assert.ok(bad.stderr.some((l) => l.includes('unknown option "settle"')), bad.stderr.join('\n'));
  p.write('package.json', JSON.stringify({ type: 'module', hotswap: { watch: false, settleMs: 5 } }));
  const good = startCli(['run', '--verbose', '--no-control', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await good.exited).code, 0, 'watch: false from the config lets it exit');
  assert.ok(good.stderr.some((l) => l.includes('config from')));
});

test('hotswap.config.ts is loaded', async (t) => {
  const p = createProject({
    'src/main.ts': `console.log('ok');\n`,
    'hotswap.config.ts': `const config: { watch: boolean } = { watch: false };\nexport default config;\n`,
  });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--verbose', '--no-control', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 0);
  assert.ok(cli.stderr.some((l) => l.includes('hotswap.config.ts')), cli.stderr.join('\n'));
});

test('import.meta.main is true for the entry and false for what it imports, as under node', async (t) => {
  const p = createProject({
    'src/main.ts': `import { libMain } from './lib.ts';\nconsole.log(JSON.stringify({ entry: import.meta.main, lib: libMain }));\n`,
    'src/lib.ts': `export const libMain = import.meta.main;\n`,
  });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--no-watch', '--no-control', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 0, cli.stderr.join('\n'));
  assert.deepEqual(JSON.parse(cli.stdout[0] ?? '{}'), { entry: true, lib: false });
});
