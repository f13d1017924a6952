/**
 * Server hand-over variants in-process (real sockets): a port-0 server keeps
 * its port across versions, a kept-alive connection's `Expect: 100-continue`
 * request and an `upgrade` reach the new version, and a module that stops
 * listening closes its server once the grace period ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRuntime } from '../../src/index.ts';
import { createProject, waitFor } from '../support/project.ts';
import { accepts, listeningSockets, request } from './helpers.ts';

type Ns = Record<string, any>;

const server = (v: number, port: string): string => `import http from 'node:http';
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('v${v}')); });
server.on('upgrade', (req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\\r\\nConnection: Upgrade\\r\\nUpgrade: test\\r\\n\\r\\nv${v}'));
server.listen(${port}, '127.0.0.1');
export const port = () => (server.address() as { port: number } | null)?.port ?? 0;
`;

test('a port-0 server keeps its port across versions; Expect: 100-continue and upgrade on a kept-alive connection reach the new version', async (t) => {
  const p = createProject({ 'src/server.ts': server(1, '0'), 'src/main.ts': `import { port } from './server.ts';\nexport const run = () => port();\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => {
    agent.destroy();
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  await waitFor(() => main.run() > 0, 20_000, 'the server to listen');
  const port = main.run() as number;
  const first = await request(port, '/', agent);
  assert.equal(first.body, 'v1');
  p.write('src/server.ts', server(2, '0'));
  assert.equal((await rt.reload(['src/server.ts'])).status, 'committed');
  assert.equal(main.run(), port, 'the new version got the same port');
  const second = await request(port, '/', agent);
  assert.deepEqual([second.body, second.reused, second.socket === first.socket], ['v2', true, true], 'the same connection, answered by v2');
  const continued = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', agent, headers: { expect: '100-continue' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('continue', () => req.end('payload'));
    req.on('error', reject);
  });
  assert.equal(continued, 'v2');
  const upgraded = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, headers: { connection: 'upgrade', upgrade: 'test' } });
    req.on('upgrade', (_res, socket, head) => {
      socket.destroy();
      resolve(head.toString());
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(upgraded, 'v2');
  assert.equal(listeningSockets(process.pid, port), 1);
});

test('a version that stops listening: the old server closes after the grace period, a request in flight finishes first', async (t) => {
  const holding = `import http from 'node:http';
const g = globalThis as any;
const server = http.createServer((req, res) => {
  const timer = setInterval(() => {
    if (!g.__release) return;
    clearInterval(timer);
    res.end('done');
  }, 5);
});
server.listen(0, '127.0.0.1');
export const port = () => (server.address() as { port: number } | null)?.port ?? 0;
`;
  const p = createProject({ 'src/server.ts': holding, 'src/main.ts': `import { port } from './server.ts';\nexport const run = () => port();\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
    delete (globalThis as any).__release;
  });
  const main = await rt.import<Ns>('src/main.ts');
  const port = await waitFor(() => (main.run() as number) || undefined, 20_000, 'the port');
  const inFlight = request(port, '/', false);
  await waitFor(() => listeningSockets(process.pid, port) === 1, 20_000, 'listening');
  p.write('src/server.ts', `export const port = () => 0;\n`);
  assert.equal((await rt.reload(['src/server.ts'])).status, 'committed');
  await waitFor(async () => !(await accepts(port)), 20_000, 'the old server to stop accepting');
  (globalThis as any).__release = true;
  assert.equal((await inFlight).body, 'done', 'the request in flight finished on the closing server');
});

test('a version released while its listen() is still resolving the host does not bind afterwards', async (t) => {
  const p = createProject({
    'src/server.ts': `import http from 'node:http';\nconst g = globalThis as any;\ng.__lateEvents = [];\nconst server = http.createServer();\nserver.on('listening', () => g.__lateEvents.push('listening'));\nserver.on('close', () => g.__lateEvents.push('close'));\nserver.listen(0, 'localhost');\nthrow new Error('boom');\n`,
    'src/main.ts': `export const run = () => 1;\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
    delete (globalThis as any).__lateEvents;
  });
  await assert.rejects(rt.import<Ns>('src/server.ts'));
  await waitFor(() => (globalThis as any).__lateEvents.join() === 'listening,close', 20_000, 'the late listen to be closed');
});
