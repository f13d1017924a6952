/**
 * Issue 10, point 2: an error on a 5 MB line (or a 5 MB error message) is
 * reported in bounded size everywhere it is copied: stderr, /api/status, the
 * event ring; and a stream whose reader never reads is disconnected rather
 * than buffered for.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { Reporter } from '../../src/cli/reporter.ts';
import { ERROR_CODES, HotswapError } from '../../src/errors.ts';
import { codeFrame, FRAME_COLUMNS } from '../../src/shared/code-frame.ts';
import { startControlServer } from '../../src/control/control-server.ts';
import { registerControlProvider } from '../../src/control/providers.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { startCli } from '../support/cli.ts';
import { createProject, waitFor } from '../support/project.ts';

const MB5 = 5 * 1024 * 1024;

test('a code frame on a 5 MB line is a window around the column, marked with ellipses', () => {
  const column = 2_500_000;
  const line = `${'a'.repeat(column - 1)}@${'b'.repeat(MB5 - column)}`;
  const source = `const x = 1;\n${line}\nconst y = 2;\n`;
  const frame = codeFrame(source, 2, column);
  assert.ok(frame.length < 6 * FRAME_COLUMNS, `frame is ${frame.length} chars`);
  const rows = frame.split('\n');
  const errorRow = rows.find((r) => r.startsWith('> 2 | '));
  const caretRow = rows[rows.indexOf(errorRow ?? '') + 1];
  assert.ok(errorRow && caretRow, frame);
  assert.match(errorRow, /\| …a+@b+…$/, 'cut on both sides');
  assert.equal(errorRow[caretRow.indexOf('^')], '@', 'the caret points at the error column');
  // short sources keep the familiar shape
  assert.equal(codeFrame('a\nbad;\nc', 2, 4), '  1 | a\n> 2 | bad;\n    |    ^\n  3 | c');
});

test('the reporter prints a 5 MB message, a 5 MB cause and a burst of 5,000 files in bounded lines, pretty and JSON', () => {
  const huge = 'q'.repeat(MB5);
  const error = new HotswapError(ERROR_CODES.EVALUATION, `x.ts failed while evaluating: ${huge}`, { cause: new Error(huge), hint: huge });
  const files = Array.from({ length: 5000 }, (_, i) => `/p/src/file-${i}.ts`);
  const timings = { stage: 1, validate: 1, commit: 1, dispose: 1, total: 4 };
  for (const format of ['pretty', 'json'] as const) {
    const lines: string[] = [];
    const reporter = new Reporter({ format, verbose: true, root: '/p', stream: { write: (chunk: string) => lines.push(...chunk.split('\n')) } as unknown as NodeJS.WritableStream });
    reporter.reload({ id: 1, files, startedAt: 0, status: 'failed', phase: 'stage', error, restored: false, timings });
    reporter.reload({ id: 2, files, startedAt: 0, status: 'committed', updated: files.map((file) => ({ file, version: 2 })), rerun: [], pruned: [], timings });
    const longest = Math.max(...lines.map((l) => l.length));
    // JSON lines carry the reload's own file list (data, one line); pretty lines name a few files
    assert.ok(longest < (format === 'json' ? 400_000 : 20_000), `${format}: the longest line has ${longest} chars`);
    assert.ok(lines.join('\n').length < (format === 'json' ? 1_000_000 : 60_000), format);
  }
});

test('a 5 MB error line: stderr lines, /api/status and /api/events/recent stay small; the app keeps answering', async (t) => {
  const p = createProject({
    'src/main.ts': [
      "import http from 'node:http';",
      "import { value } from './lib.ts';",
      'const server = http.createServer((_req, res) => res.end(value()));',
      "server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));",
      'import.meta.hot?.dispose(() => { server.close(); server.closeAllConnections(); });',
      '',
    ].join('\n'),
    'src/lib.ts': "export const value = (): string => 'v1';\n",
  });
  const cli = startCli(['run', 'src/main.ts'], { cwd: p.dir });
  // after hooks run in the order they were added: the process stops before its files go
  t.after(() => cli.stop());
  t.after(() => p.cleanup());
  const port = Number((await cli.waitForLine('stdout', /^port \d+/)).slice(5));
  await cli.waitForLine('stderr', /control http/);
  const info = JSON.parse(readFileSync(join(p.dir, '.hotswap', 'control.json'), 'utf8')) as { url: string };
  const token = readFileSync(join(p.dir, '.hotswap', 'token'), 'utf8').trim();
  const api = (path: string): Promise<Response> => fetch(`${info.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  const broken = [
    // a syntax error in the middle of a 5 MB line
    `export const value = (): string => 'v2';\nexport const big = "${'x'.repeat(MB5 / 2)}" + + ;${'y'.repeat(MB5 / 2)}\n`,
    // a top-level throw with a 5 MB message
    `export const value = (): string => 'v3';\nthrow new Error('${'z'.repeat(MB5)}');\n`,
  ];
  for (let i = 0; i < 6; i++) {
    const from = cli.stderr.length;
    p.writeAtomic('src/lib.ts', broken[i % 2] as string);
    await cli.waitForLine('stderr', /reload #\d+ failed/, 60_000, from);
    // the error report follows the failure line: wait for its hint or its end
    await waitFor(() => cli.stderr.length > from + 1, 20_000, 'the error report');
  }
  const longest = Math.max(...cli.stderr.map((l) => l.length));
  assert.ok(longest < 20_000, `the longest stderr line has ${longest} chars`);

  const status = await (await api('/api/status')).text();
  assert.ok(status.length < 64 * 1024, `/api/status is ${status.length} bytes`);
  assert.match(status, /"state":"degraded"/);
  const recent = await api('/api/events/recent?limit=1000');
  assert.equal(recent.status, 200);
  const recentText = await recent.text();
  assert.ok(recentText.length < 1.5 * 1024 * 1024, `/api/events/recent is ${recentText.length} bytes`);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'v1', 'the last good version keeps serving');
});

test('a module that throws a 5 MB message of path-like text fails its reload, located, without hanging the process', async (t) => {
  const p = createProject({ 'main.ts': "import { v } from './lib.ts';\nexport const read = (): string => v;\n", 'lib.ts': "export const v = 'v1';\n" });
  const runtime = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(() => runtime.close());
  t.after(() => p.cleanup());
  await runtime.import('main.ts');
  // base64-like and path-like text: no spaces, many slashes (stack-trace regexes backtracked quadratically over it)
  for (const text of ['/a'.repeat(MB5 / 4), 'z'.repeat(MB5), 'x?v=1'.repeat(MB5 / 10)]) {
    p.write('lib.ts', `export const v = 'v2';\nthrow new Error('${text}');\n`);
    const result = await runtime.reload([p.path('lib.ts')]);
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') continue;
    assert.equal(result.error.location?.line, 2, 'located at the throw');
  }
});

test('20 event streams that never read are disconnected; the heap does not keep what they missed', async (t) => {
  const p = createProject({ 'main.ts': 'export const ok = true;\n' });
  t.after(() => p.cleanup());
  const runtime = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  await runtime.import('main.ts');
  const server = await startControlServer({ runtime, writeFiles: false });
  t.after(async () => {
    await server.close();
    await runtime.close();
  });
  let emit: (type: string, data: unknown) => void = () => {};
  const dispose = registerControlProvider({ name: 'flood', subscribe: (e) => ((emit = e), () => (emit = () => {})) });
  t.after(dispose);

  const gc = collector();
  gc();
  const before = process.memoryUsage().heapUsed;
  const { port } = new URL(server.url);
  const sockets: Socket[] = [];
  const closed: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${server.tokens.admin}\r\n\r\n`);
    socket.pause(); // never read: the kernel's buffers fill, then the server's
    sockets.push(socket);
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
  }
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  await waitFor(() => server.feed.subscriberCount === 20, 20_000, 'the 20 streams to subscribe');

  // 60 KB events until every stream has been dropped (each may hold up to 1 MiB queued, plus what the kernel takes)
  const chunk = 'e'.repeat(60 * 1024);
  for (let i = 0; i < 4000 && server.feed.subscriberCount > 0; i++) {
    emit('big', { i, chunk });
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => server.feed.subscriberCount === 0, 30_000, 'every never-reading stream to be dropped');
  for (const s of sockets) s.resume(); // let the client side see the end
  await Promise.all(closed);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024 / 1024)} MB`);
  assert.ok(server.feed.bufferedBytes <= 1024 * 1024, `the event ring holds ${server.feed.bufferedBytes} bytes`);
});

function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}
