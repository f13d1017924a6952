/**
 * The real CLI on a copy of examples/hello-server: a real process, real files,
 * real HTTP. Edits wait for the reload event on stderr, never for a fixed time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, get, startCli, type RunningCli } from '../support/cli.ts';

let dir: string;
let cli: RunningCli;
let base: string;

const edit = (file: string, change: (source: string) => string): void => {
  const path = join(dir, 'src', file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
};

async function editAndWait(file: string, change: (source: string) => string, status = 'committed'): Promise<Record<string, unknown>> {
  const mark = cli.stderr.length;
  edit(file, change);
  return cli.waitForReload((e) => e['status'] === status, mark);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hotswap-hello-'));
  cpSync(join(REPO, 'examples/hello-server'), dir, { recursive: true, filter: (src) => !src.includes('.hotswap') });
  cli = startCli(['run', '--log-format', 'json', '--no-control', 'src/main.ts'], { cwd: dir, env: { PORT: '0' } });
  const line = await cli.waitForLine('stdout', /listening on/);
  base = (line.match(/http:\/\/\S+/) as RegExpMatchArray)[0];
});

after(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
});

test('a leaf edit changes the very next response; port and in-memory state are kept', async () => {
  assert.equal(await get(`${base}/hello?name=ada`), 'Hello, ada!\n');
  const visitsBefore = JSON.parse(await get(`${base}/state`)).visits;
  const event = await editAndWait('greeting.ts', (s) => s.replace('Hello', 'Howdy'));
  assert.deepEqual((event['updated'] as { file: string }[]).map((u) => u.file), [join(dir, 'src/greeting.ts')]);
  assert.equal(await get(`${base}/hello?name=ada`), 'Howdy, ada!\n', 'same URL (same port), new code');
  assert.equal(JSON.parse(await get(`${base}/state`)).visits, visitsBefore + 1, 'in-memory state survived');
});

test('a handler registered by reference at startup runs the new code after handlers.ts is edited', async () => {
  await editAndWait('handlers.ts', (s) => s.replace('res.end(`${greeting(name)}\\n`);', 'res.end(`[v2] ${greeting(name)}\\n`);'));
  assert.match(await get(`${base}/hello?name=bo`), /^\[v2\] .*bo!\n$/);
});

test('an instance created at startup runs the new method after counter.ts is edited', async () => {
  assert.equal(await get(`${base}/count`), '1\n');
  await editAndWait('counter.ts', (s) => s.replace('this.value += 1', 'this.value += 100'));
  assert.equal(await get(`${base}/count`), '101\n', 'old instance, new method, value kept');
});

test('a broken save keeps the server serving and prints file:line:col with a code frame; the fix reloads', async () => {
  const mark = cli.stderr.length;
  edit('greeting.ts', (s) => s.replace('return `', 'return ((`'));
  const failed = await cli.waitForReload((e) => e['status'] === 'failed', mark);
  const error = failed['error'] as { code: string; location: { file: string; line: number; column: number }; frame: string };
  assert.equal(error.code, 'HS_SYNTAX');
  assert.equal(error.location.file, join(dir, 'src/greeting.ts'));
  assert.equal(error.location.line, 2);
  assert.match(error.frame, /> 2 \|/);
  assert.match(await get(`${base}/hello?name=x`), /x!/, 'still serving');
  await editAndWait('greeting.ts', (s) => s.replace('return ((`', 'return `Fixed '));
  assert.match(await get(`${base}/hello?name=x`), /Fixed/);
});

test('an uncaught exception in app code is reported with its .ts location and the process stays up', async () => {
  const mark = cli.stderr.length;
  assert.equal(await get(`${base}/crash`), 'scheduled a crash\n');
  const line = await cli.waitForLine('stderr', (l) => l.includes('uncaughtException'), 30_000, mark);
  const event = JSON.parse(line) as { error: { code: string; text: string; detail: string; location: { file: string } | null } };
  assert.equal(event.error.code, 'HS_APP_UNCAUGHT', 'the app\'s error, not an internal one');
  assert.equal(event.error.text, 'uncaught exception in the app: Error: crash route');
  assert.equal(event.error.location?.file, join(dir, 'src/handlers.ts'));
  assert.ok(event.error.detail.includes(`${join(dir, 'src/handlers.ts')}:`), event.error.detail);
  assert.match(await get(`${base}/hello?name=y`), /y!/);
});
