/**
 * The registries: hooks in order (a hook may transform the payload, a broken
 * one is skipped), commands, and routes mounted on node:http.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostFixture } from './helpers.ts';

test('emit runs hooks by order, then plugin load order, then registration order; each may replace the payload', async (t) => {
  const { host } = await hostFixture(t, {
    'plugins/a.ts': `export default { name: 'a', setup(ctx) {
      ctx.on('message:before', (p) => ({ ...p, trail: [...p.trail, 'a1'] }));
      ctx.on('message:before', (p) => { p.trail.push('a2'); });
      ctx.on('message:before', (p) => ({ ...p, trail: [...p.trail, 'a-first'] }), { order: -1 });
    } };\n`,
    'plugins/b.ts': `export default { name: 'b', setup(ctx) {
      ctx.on('message:before', (p) => ({ ...p, trail: [...p.trail, 'b1'] }));
      ctx.on('message:before', () => { throw new Error('broken extension'); });
      ctx.on('message:before', async (p) => ({ ...p, trail: [...p.trail, 'b-last'] }), { order: 10 });
    } };\n`,
  });
  assert.deepEqual(await host.emit('message:before', { trail: [] as string[] }), { trail: ['a-first', 'a1', 'a2', 'b1', 'b-last'] });
  assert.deepEqual(await host.emit('unknown', { x: 1 }), { x: 1 });
  const b = host.stats().find((s) => s.name === 'b');
  assert.equal(b?.errors, 1, 'the broken hook counted an error for its plugin; the chain went on');
});

test('commands run with their arguments; an unknown command is HS_COMMAND_NOT_FOUND', async (t) => {
  const { host } = await hostFixture(t, {
    'plugins/cmd.ts': `export default { name: 'cmd', setup(ctx) { ctx.command('join', (args) => args.join('+'), { description: 'Joins' }); } };\n`,
  });
  assert.equal(await host.commands.run('join', ['a', 'b']), 'a+b');
  assert.deepEqual(host.commands.list().map((c) => [c.name, c.plugin, c.description]), [['join', 'cmd', 'Joins']]);
  await assert.rejects(host.commands.run('nope'), { code: 'HS_COMMAND_NOT_FOUND' });
});

test('routes mount on node:http: params, JSON return values, errors as 500, false when nothing matches', async (t) => {
  const { project, runtime, host } = await hostFixture(t, {
    'plugins/web.ts': `export default { name: 'web', setup(ctx) {
      ctx.route('GET', '/items/:id', (req, res, params) => ({ id: params.id, v: 1 }));
      ctx.route('GET', '/items/special', (req, res) => { res.end('special'); });
      ctx.route('POST', '/fail', () => { throw new Error('nope'); });
    } };\n`,
  });
  const server = http.createServer((req, res) => {
    if (!host.routes.handle(req, res)) {
      res.statusCode = 404;
      res.end('app 404');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  assert.deepEqual(await (await fetch(`${base}/items/a%20b`)).json(), { id: 'a b', v: 1 });
  assert.equal(await (await fetch(`${base}/items/special`)).text(), 'special', 'an exact segment wins over a param');
  const failed = await fetch(`${base}/fail`, { method: 'POST' });
  assert.equal(failed.status, 500);
  assert.match(((await failed.json()) as { error: { text: string } }).error.text, /nope/);
  assert.equal((await fetch(`${base}/other`)).status, 404);
  assert.equal(await (await fetch(`${base}/items/x`, { method: 'DELETE' })).text(), 'app 404');

  project.write('plugins/web.ts', `export default { name: 'web', setup(ctx) { ctx.route('GET', '/items/:id', (req, res, params) => ({ id: params.id, v: 2 })); } };\n`);
  assert.equal((await runtime.reload([project.path('plugins/web.ts')])).status, 'committed');
  assert.deepEqual(await (await fetch(`${base}/items/7`)).json(), { id: '7', v: 2 });
  assert.equal((await fetch(`${base}/fail`, { method: 'POST' })).status, 404, 'routes of the old version are gone');
  assert.deepEqual(host.routes.list().map((r) => `${r.method} ${r.path} ${r.plugin}@${r.version}`), ['GET /items/:id web@2']);
});

test('registering after setup finished is a usage error', async (t) => {
  const { host } = await hostFixture(t, {
    'plugins/late.ts': `export default { name: 'late', setup(ctx) { ctx.tool('register-late', () => { ctx.tool('x', () => 1); }); } };\n`,
  });
  await assert.rejects(host.tools.call('register-late'), /ctx\.tool\(\) after setup finished/);
});

test('close() tears every plugin down, is idempotent, and later calls fail with HS_CLOSED', async (t) => {
  const { host } = await hostFixture(t, {
    'plugins/c.ts': `export default { name: 'c', setup(ctx) { ctx.tool('c', () => 1); return () => { globalThis.__closedPlugin = true; }; } };\n`,
  });
  const closing = host.close();
  assert.equal(host.close(), closing);
  await closing;
  assert.equal((globalThis as Record<string, unknown>)['__closedPlugin'], true, 'the cleanup setup returned ran');
  await assert.rejects(host.tools.call('c'), { code: 'HS_CLOSED' });
});
