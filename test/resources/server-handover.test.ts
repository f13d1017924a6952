/**
 * Server hand-over, plain `http.createServer(handler).listen(PORT)`: the
 * entry edited 100 times under load through the real CLI, with no annotations.
 */
import { test } from 'node:test';
import { editUnderLoad } from './edit-under-load.ts';

const plain = (v: number): string => `import http from 'node:http';
import { answer } from './slow.ts';
const VERSION = ${v};
const server = http.createServer((req, res) => answer(req.url ?? '/', VERSION, (body) => res.end(body)));
server.listen(Number(process.env['PORT']), '127.0.0.1', () => console.log('listening v' + VERSION));
`;

test('plain http server: the entry edited 100 times under load, zero failed requests, one listening socket', async (t) => {
  await editUnderLoad(t, { name: 'handover-plain', main: plain, edits: 100, strict: true });
});

const deferred = (v: number): string => `import http from 'node:http';
import { answer } from './slow.ts';
const VERSION = ${v};
async function start(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const server = http.createServer((req, res) => answer(req.url ?? '/', VERSION, (body) => res.end(body)));
  server.listen(Number(process.env['PORT']), '127.0.0.1', () => console.log('listening v' + VERSION));
}
void start();
`;

test('listen() after the top level finished (an un-awaited start()): still handed over, 20 edits under load', async (t) => {
  await editUnderLoad(t, { name: 'handover-deferred', main: deferred, edits: 20, strict: false });
});
