/**
 * The control commands against the real CLI: `hotswap run` on a temp copy of
 * examples/hello-server, then status / reload / graph / logs / doctor as
 * separate processes, the way a user runs them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startForApp } from '../../src/control/attach.ts';
import { Reporter } from '../../src/cli/reporter.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { saveFile, copyHelloServer, runCli, spawnCli, tempDir, writeFiles, type CliProcess } from './helpers.ts';

const GREETING = (word: string): string => `export function greeting(name: string): string {\n  return \`${word}, \${name}!\`;\n}\n`;

describe('control commands against a running process', () => {
  let dir: string;
  let app: CliProcess;
  let url: string;

  before(async () => {
    dir = copyHelloServer();
    app = spawnCli(['run', 'src/main.ts'], { cwd: dir, env: { PORT: '0' } });
    const [, controlUrl] = (await app.waitFor(/control (http:\/\/127\.0\.0\.1:\d+) · dashboard http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/, 'the dashboard URL')) as RegExpMatchArray & [string, string];
    url = controlUrl;
    await app.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 'the app to listen');
  });
  after(async () => {
    await app.kill();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  test('status --json: state, url and stats of the process', async () => {
    const { code, stdout } = await runCli(['status', '--json'], dir);
    assert.equal(code, 0);
    const body = JSON.parse(stdout) as { url: string; status: { state: string; pid: number }; stats: { modules: number } };
    assert.equal(body.url, url);
    assert.equal(body.status.state, 'running');
    assert.equal(body.status.pid, app.child.pid);
    assert.equal(body.stats.modules, 6);
    const info = JSON.parse(readFileSync(join(dir, '.hotswap', 'control.json'), 'utf8')) as { pid: number; url: string };
    assert.deepEqual([info.pid, info.url], [app.child.pid, url]);
  });

  test('status finds the process from a subdirectory, and --cwd works', async () => {
    const human = await runCli(['status'], join(dir, 'src'));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /● running {2}pid \d+ · up \d+/);
    assert.match(human.stdout, /reloads {3}\d+ \(/);
    const other = tempDir();
    try {
      const elsewhere = await runCli(['status', '--json', '--cwd', dir], other);
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
    } finally {
      rmSync(other, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });

  test('reload <file> after an edit commits it; graph shows what changed', async () => {
    saveFile(join(dir, 'src', 'greeting.ts'), GREETING('Howdy'));
    // the watcher may beat us to it: then our reload finds no change, which is fine
    const { code, stdout } = await runCli(['reload', 'src/greeting.ts'], dir);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /reload #\d+ (committed: src\/greeting\.ts@v\d+|skipped)/);
    const tree = await runCli(['graph'], dir);
    assert.equal(tree.code, 0);
    assert.match(tree.stdout, /^src\/main\.ts v\d+$/m);
    assert.match(tree.stdout, /^│ {3}├── src\/greeting\.ts v\d+ ← changed$/m);
    assert.match(tree.stdout, /^└── src\/router\.ts v\d+$/m);
    const dot = await runCli(['graph', '--format', 'dot'], dir);
    assert.match(dot.stdout, /^digraph hotswap \{/);
    assert.match(dot.stdout, /"src\/handlers\.ts" -> "src\/greeting\.ts";/);
    const json = JSON.parse((await runCli(['graph', '--format', 'json'], dir)).stdout) as { nodes: unknown[]; edges: unknown[] };
    assert.equal(json.nodes.length, 6);
    const bad = await runCli(['graph', '--format', 'svg'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown --format "svg"/);
  });

  test('reload of a broken file: exit 1, the error with its code frame; status turns degraded', async () => {
    saveFile(join(dir, 'src', 'greeting.ts'), 'export function greeting(name: string): string {\n  return `broken ${name`;\n}\n');
    try {
      const logs = spawnCli(['logs', '--follow', '--limit', '0'], { cwd: dir });
      try {
        await logs.waitFor(/following events of pid \d+/, 'logs --follow to connect');
        const broken = await runCli(['reload', 'src/greeting.ts'], dir);
        // either our reload saw the broken file, or the watcher's reload did and ours retries it: both fail
        assert.equal(broken.code, 1, broken.stdout);
        assert.match(broken.stdout, /✗ reload #\d+ failed; the last good version keeps serving/);
        assert.match(broken.stdout, /src\/greeting\.ts:\d+:\d+ HS_SYNTAX: /);
        assert.match(broken.stdout, /^ {2}> 2 \| /m);
        const status = JSON.parse((await runCli(['status', '--json'], dir)).stdout) as { status: { state: string; error: { code: string } } };
        assert.equal(status.status.state, 'degraded');
        assert.equal(status.status.error.code, 'HS_SYNTAX');
        await logs.waitFor(/✗ reload #\d+ failed: src\/greeting\.ts/, 'logs --follow to print the failure');
        await logs.waitFor(/HS_SYNTAX/, 'logs --follow to print the error');
      } finally {
        await logs.kill();
      }
    } finally {
      saveFile(join(dir, 'src', 'greeting.ts'), GREETING('Hello'));
      await runCli(['reload', 'src/greeting.ts'], dir);
    }
    const status = JSON.parse((await runCli(['status', '--json'], dir)).stdout) as { status: { state: string } };
    assert.equal(status.status.state, 'running');
  });

  test('logs prints recent events; reload (everything) shows up in it', async () => {
    const all = await runCli(['reload'], dir);
    assert.equal(all.code, 0);
    // a whole-app reload says what it re-ran and that module state was reset
    assert.match(all.stdout, /↻ reload #(\d+) committed: re-ran every module \(6\)/);
    assert.match(all.stdout, /^ {2}src\/main\.ts@v\d+$/m);
    assert.match(all.stdout, /^ {2}src\/greeting\.ts@v\d+$/m);
    assert.match(all.stdout, /state not kept in import\.meta\.hot\.data was reset/);
    const id = /reload #(\d+) committed/.exec(all.stdout)?.[1];
    const logs = await runCli(['logs'], dir);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, new RegExp(`↻ reload #${id} committed: .* \\(stage [\\d.]+ ms · validate [\\d.]+ ms · commit [\\d.]+ ms · dispose [\\d.]+ ms\\)`));
    const json = (await runCli(['logs', '--json', '--limit', '3'], dir)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    assert.equal(json.length, 3);
  });

  test('reload of a file that does not exist says not found and exits 1', async () => {
    const missing = await runCli(['reload', 'src/nope.ts'], dir);
    assert.equal(missing.code, 1, missing.stdout);
    assert.match(missing.stderr, /HS_FILE_NOT_FOUND: src\/nope\.ts not found/);
    assert.doesNotMatch(missing.stdout + missing.stderr, /skipped|no change/);
  });

  test('reload --module of a module that is not loaded names hotswap graph, not an HTTP route', async () => {
    const missing = await runCli(['reload', '--module', 'src/nope.ts'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No loaded module src\/nope\.ts/);
    assert.match(missing.stderr, /hint: Run "hotswap graph"/);
    assert.doesNotMatch(missing.stderr, /GET |\/api\//);
    const present = await runCli(['reload', '--module', 'src/greeting.ts'], dir);
    assert.equal(present.code, 0, present.stderr);
    assert.match(present.stdout, /↻ reload #\d+ committed: src\/greeting\.ts@v\d+/);
    assert.match(present.stdout, /src\/greeting\.ts re-ran: its state not kept in import\.meta\.hot\.data was reset/);
  });

  test('doctor on a running, healthy project passes and reaches the control server', async () => {
    const { code, stdout } = await runCli(['doctor'], dir);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /✓ node: v\d+/);
    assert.match(stdout, /✓ config: none \(defaults\)/);
    assert.match(stdout, /✓ \.hotswap\/ writable/);
    assert.match(stdout, /✓ transform cache writable/);
    assert.match(stdout, /✓ watcher sees changes in \.: reported in \d+ ms/);
    assert.match(stdout, new RegExp(`✓ control server: answers at ${url.replaceAll('.', '\\.')} \\(pid \\d+, running\\)`));
    assert.match(stdout, /all checks passed/);
  });
});

describe('control commands without a running process', () => {
  test('status, reload, graph, logs: a clear error naming the directory', async () => {
    const dir = tempDir();
    try {
      for (const args of [['status'], ['reload'], ['graph'], ['logs', '--follow']]) {
        const { code, stderr } = await runCli(args, dir);
        assert.equal(code, 1, args.join(' '));
        assert.match(stderr, new RegExp(`HS_NOT_RUNNING: no running hotswap process found in ${dir.replaceAll('.', '\\.')}: start one with hotswap run <entry>`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });

  test('a stale control.json (its process exited): status says so, doctor names the cause', async () => {
    const dir = copyHelloServer();
    try {
      const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      await new Promise((resolve) => dead.once('exit', resolve));
      mkdirSync(join(dir, '.hotswap'), { recursive: true });
      writeFiles(dir, {
        '.hotswap/control.json': JSON.stringify({ pid: dead.pid, url: 'http://127.0.0.1:9', started: new Date().toISOString(), project: dir }),
        '.hotswap/token': 'stale',
      });
      const status = await runCli(['status'], dir);
      assert.equal(status.code, 1);
      assert.match(status.stderr, new RegExp(`pid ${dead.pid} from \\.hotswap/control\\.json has exited \\(a stale file\\)`));
      const doctor = await runCli(['doctor'], dir);
      assert.equal(doctor.code, 1, doctor.stdout);
      assert.match(doctor.stdout, new RegExp(`✗ control server: down: \\.hotswap/control\\.json names pid ${dead.pid}, which has exited`));
      assert.match(doctor.stdout, /→ Start the app with hotswap run <entry>, or delete the stale \.hotswap\/control\.json\./);
      assert.match(doctor.stdout, /✓ watcher sees changes/, 'the other checks still run');
      assert.match(doctor.stdout, /1 check failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });

  test('doctor on a healthy project passes; with .hotswap a file instead of a directory it names the cause', async () => {
    const dir = copyHelloServer();
    try {
      const healthy = await runCli(['doctor'], dir);
      assert.equal(healthy.code, 0, healthy.stdout);
      assert.match(healthy.stdout, /- control server: no running process/);
      assert.match(healthy.stdout, /all checks passed/);
      assert.equal(existsSync(join(dir, '.hotswap', 'control.json')), false);

      rmSync(join(dir, '.hotswap'), { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
      writeFileSync(join(dir, '.hotswap'), 'not a directory');
      const broken = await runCli(['doctor'], dir);
      assert.equal(broken.code, 1, broken.stdout);
      assert.match(broken.stdout, /✗ \.hotswap\/ writable: \.hotswap exists but is not a directory/);
      assert.match(broken.stdout, /→ Remove or rename the file .*\.hotswap; hotswap creates the directory itself\./);
      assert.match(broken.stdout, /✗ transform cache writable: cannot write in \.hotswap\/cache(: .*\.hotswap is not a directory| \(ENOTDIR\))/);
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });

  test('doctor names a broken config', async () => {
    const dir = copyHelloServer();
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, hotswap: { control: { port: 'x', allowOrigins: ['http://a.example/path'] } } }));
      const { code, stdout } = await runCli(['doctor'], dir);
      assert.equal(code, 1);
      assert.match(stdout, /✗ config: control\.port: .*; control\.allowOrigins\.0: each entry of control\.allowOrigins must be an origin/);
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });
});

describe('starting the control server from hotswap run', () => {
  test('--no-control, control: false and an invalid control config start no server; the app keeps running', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': 'export const a = 1;\n' });
    const runtime = createRuntime({ root: dir, cacheDir: false, watch: false });
    let output = '';
    const stream = { write: (chunk: string) => ((output += chunk), true) } as unknown as NodeJS.WritableStream;
    const reporter = new Reporter({ format: 'pretty', verbose: false, root: dir, stream });
    try {
      await runtime.import('main.ts');
      const base = { runtime, reporter, project: dir };
      assert.equal(await startForApp({ ...base, config: {} }, { control: false }), undefined);
      assert.equal(await startForApp({ ...base, config: { control: false } }, {}), undefined);
      assert.equal(await startForApp({ ...base, config: { control: { port: -1 } } }, {}), undefined);
      assert.match(output, /HS_CONFIG: Invalid control config: control\.port: /);
      assert.match(output, /continuing without the control server/);
      assert.equal(await startForApp({ ...base, config: {} }, { controlPort: 'abc' }), undefined);
      assert.match(output, /--control-port must be a port number/);
      assert.equal(existsSync(join(dir, '.hotswap', 'control.json')), false);

      const server = await startForApp({ ...base, config: { control: { port: 0 } } }, {});
      assert.ok(server);
      assert.match(output, new RegExp(`control ${server.url} · dashboard ${server.url}/#token=`));
      assert.equal(existsSync(join(dir, '.hotswap', 'control.json')), true);
      await runtime.close(); // closing the runtime closes the server and removes control.json
      assert.equal(server.isClosed(), true);
      assert.equal(existsSync(join(dir, '.hotswap', 'control.json')), false);
    } finally {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    }
  });
});
