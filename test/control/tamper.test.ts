/**
 * Issue 10, points 4 and 6: `.hotswap/` cannot be read or planted by others
 * (0700/0600 whatever the umask), what the CLI reads back from it must be the
 * user's own, the token travels only to a loopback address, and the reload
 * endpoint reads chunked bodies, refuses non-JSON types and never leaves a
 * live token in a temp file.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLoopbackUrl } from '../../src/control/control-client.ts';
import { writeControlFiles } from '../../src/control/control-files.ts';
import { startControlServer } from '../../src/control/control-server.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { ensureStateDir } from '../../src/shared/state-dir.ts';
import { startCli } from '../support/cli.ts';
import { createProject } from '../support/project.ts';
import { runCli } from './helpers.ts';

const mode = (path: string): number => statSync(path).mode & 0o777;

test('under umask 000, hotswap run makes .hotswap/ 0700 and its files 0600, with a .gitignore of *', async (t) => {
  const p = createProject({ 'main.ts': "console.log('ready');\nsetInterval(() => {}, 1000);\n" });
  const previous = process.umask(0o000);
  let cli;
  try {
    cli = startCli(['run', 'main.ts'], { cwd: p.dir });
  } finally {
    process.umask(previous);
  }
  // after hooks run in the order they were added: the process stops before its files go
  t.after(() => cli.stop());
  t.after(() => p.cleanup());
  await cli.waitForLine('stderr', /control http/);
  const dir = join(p.dir, '.hotswap');
  assert.equal(mode(dir), 0o700, '.hotswap/');
  for (const file of ['control.json', 'token', 'panel-token', '.gitignore']) assert.equal(mode(join(dir, file)), 0o600, file);
  assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), '*\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file is left');
});

test('under umask 000 without the control server, whatever creates .hotswap/ (here the version store) makes it 0700', async (t) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'hotswap-cache-elsewhere-'));
  t.after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const p = createProject({ 'main.ts': "import { v } from './dep.ts';\nconsole.log('ready', v);\nsetInterval(() => {}, 1000);\n", 'dep.ts': "export const v = 1;\n" });
  const previous = process.umask(0o000);
  let cli;
  try {
    // the cache elsewhere: the version store alone creates .hotswap/
    cli = startCli(['run', '--no-control', '--cache-dir', cacheDir, 'main.ts'], { cwd: p.dir });
  } finally {
    process.umask(previous);
  }
  t.after(() => cli.stop());
  t.after(() => p.cleanup());
  await cli.waitForLine('stdout', /ready/);
  await cli.stop(); // the cache is flushed on close
  const dir = join(p.dir, '.hotswap');
  assert.equal(mode(dir), 0o700, '.hotswap/');
  // what is inside cannot be reached by others through a 0700 directory; list what is wider, for the record
  const wide = readdirSync(dir, { withFileTypes: true, recursive: true }).map((e) => join(e.parentPath, e.name)).filter((f) => (mode(f) & 0o077) !== 0);
  t.diagnostic(`entries wider than 0700/0600 inside: ${wide.map((f) => `${f.slice(dir.length + 1)} ${mode(f).toString(8)}`).join(', ') || 'none'}`);
});

test('an existing .hotswap/ open to others is narrowed to 0700; one that is not a directory is refused with a clear message', (t) => {
  const p = createProject({});
  t.after(() => p.cleanup());
  mkdirSync(join(p.dir, '.hotswap'));
  chmodSync(join(p.dir, '.hotswap'), 0o777);
  ensureStateDir(p.dir);
  assert.equal(mode(join(p.dir, '.hotswap')), 0o700);

  const q = createProject({ '.hotswap': 'not a directory' });
  t.after(() => q.cleanup());
  assert.throws(() => ensureStateDir(q.dir), (error: Error & { code?: string }) => error.code === 'HS_UNSAFE_FILE' && /is not a directory/.test(error.message));
});

test('hotswap status refuses a control.json or token that others may write, or that another user owns', async (t) => {
  const p = createProject({});
  t.after(() => p.cleanup());
  const info = { pid: process.pid, url: 'http://127.0.0.1:9', started: new Date().toISOString(), project: p.dir };
  writeControlFiles(p.dir, info, { admin: 'a'.repeat(43), read: 'r'.repeat(43) });
  const cases: [string, () => void, RegExp][] = [
    ['a group-writable control.json', () => chmodSync(join(p.dir, '.hotswap', 'control.json'), 0o620), /control\.json is writable by its group/],
    ['a world-writable token', () => chmodSync(join(p.dir, '.hotswap', 'token'), 0o606), /token is writable by other users/],
    ['a world-writable .hotswap/', () => chmodSync(join(p.dir, '.hotswap'), 0o777), /\.hotswap is writable by its group and other users/],
  ];
  if (process.getuid?.() === 0) {
    cases.push(['a control.json of another user', () => chownSync(join(p.dir, '.hotswap', 'control.json'), 4242, 4242), /control\.json belongs to uid 4242/]);
  }
  for (const [name, tamper, message] of cases) {
    writeControlFiles(p.dir, info, { admin: 'a'.repeat(43), read: 'r'.repeat(43) });
    chmodSync(join(p.dir, '.hotswap'), 0o700);
    tamper();
    const { code, stderr } = await runCli(['status'], p.dir);
    assert.equal(code, 1, name);
    assert.match(stderr, /HS_UNSAFE_FILE/, name);
    assert.match(stderr, message, name);
  }
});

test('the CLI sends the token only to a loopback address', async (t) => {
  for (const url of ['http://127.0.0.1:1', 'http://127.1.2.3:80', 'http://[::1]:8', 'http://localhost:3', 'http://0x7f.1:5']) assert.ok(isLoopbackUrl(url), url);
  for (const url of ['http://10.0.0.1:1', 'https://127.0.0.1:1', 'http://evil.example:80', 'http://127.0.0.1.evil.example', 'http://u:p@127.0.0.1:1', 'http://[::ffff:8.8.8.8]:1', 'http://0.0.0.0:1', 'not a url']) {
    assert.ok(!isLoopbackUrl(url), url);
  }

  // A listener on every interface, named in control.json by a non-loopback address of this machine.
  const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '10.255.255.1';
  const seen: string[] = [];
  const listener = createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    res.end('{}');
  });
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  t.after(() => listener.close());
  const port = (listener.address() as { port: number }).port;
  const p = createProject({});
  t.after(() => p.cleanup());
  writeControlFiles(p.dir, { pid: process.pid, url: `http://${address}:${port}`, started: '', project: p.dir }, { admin: 'secret-admin-token', read: 'r' });
  const { code, stderr } = await runCli(['status'], p.dir);
  assert.equal(code, 1);
  assert.match(stderr, /HS_UNSAFE_FILE: .*not a loopback http address/);
  assert.deepEqual(seen, [], 'no request reached the listener');
});

test('POST /api/reload: chunked bodies are read (no 500), non-JSON types get 415, oversized chunked bodies 413', async (t) => {
  const p = createProject({ 'main.ts': "export const v = 'v1';\n" });
  t.after(() => p.cleanup());
  const runtime = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  await runtime.import('main.ts');
  const server = await startControlServer({ runtime, writeFiles: false });
  t.after(async () => {
    await server.close();
    await runtime.close();
  });
  const post = (headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}/api/reload`, { method: 'POST', headers: { authorization: `Bearer ${server.tokens.admin}`, ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  const chunked = { 'content-type': 'application/json', 'transfer-encoding': 'chunked' };
  const ok = await post(chunked, ['{"file":', ' "main.ts"}']);
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /"status":"skipped"/);
  const emptyChunked = await post({ 'transfer-encoding': 'chunked' }, []);
  assert.equal(emptyChunked.status, 200, emptyChunked.body);

  for (const type of ['application/json-seq', 'text/plain', 'application/jsonx', 'application/x-json', 'multipart/form-data; boundary=x']) {
    const refused = await post({ 'content-type': type }, ['{}']);
    assert.equal(refused.status, 415, `${type}: ${refused.body}`);
    assert.match(refused.body, /HS_CONTROL_BAD_REQUEST/);
  }
  assert.equal((await post({ 'content-type': 'application/json; charset=utf-8' }, ['{}'])).status, 200);
  const big = await post(chunked, Array.from({ length: 100 }, () => ' '.repeat(1024)));
  assert.equal(big.status, 413, big.body);
  assert.equal((await post({ 'content-type': 'application/json' }, [Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')])).status, 400);
  assert.equal(runtime.stats().reloads, 3, 'only the three accepted requests reloaded');
});

test('a token file that cannot be renamed into place leaves no temp file holding the token', (t) => {
  const p = createProject({});
  t.after(() => p.cleanup());
  // a non-empty directory where the token goes: rename(2) over it fails
  mkdirSync(join(p.dir, '.hotswap', 'token'), { recursive: true });
  writeFileSync(join(p.dir, '.hotswap', 'token', 'x'), '');
  assert.throws(() => writeControlFiles(p.dir, { pid: process.pid, url: 'http://127.0.0.1:1', started: '', project: p.dir }, { admin: 'live-admin-token', read: 'r' }));
  const left = readdirSync(join(p.dir, '.hotswap')).filter((f) => f.includes('.tmp'));
  assert.deepEqual(left, []);
});
