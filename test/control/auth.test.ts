/**
 * Who may use the control API, and what a refused or malformed request does:
 * nothing. In process through `app.request()`, plus one real server on a
 * socket (token files, Host header forgery, control.json lifecycle).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFileSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scopeOf, tokensEqual } from '../../src/control/auth.ts';
import { startControlServer, type ControlServer } from '../../src/control/control-server.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { inProcess, PORT, tempDir, waitUntil, writeFiles, type InProcess } from './helpers.ts';

const HOST_PAGE = 'http://127.0.0.1:3000';

async function stateOf(ctx: InProcess): Promise<{ reloads: number; versions: (number | undefined)[] }> {
  return { reloads: ctx.runtime.stats().reloads, versions: ctx.runtime.modules().map((m) => m.version) };
}

async function errorOf(response: Response): Promise<{ code: string; text: string; hint: string | null }> {
  const body = (await response.json()) as { error: { code: string; text: string; hint: string | null } };
  assert.ok(body.error, 'errors are { error: { code, text, hint } }');
  return body.error;
}

describe('tokens', () => {
  test('tokensEqual compares content, whatever the lengths', () => {
    assert.equal(tokensEqual('abc', 'abc'), true);
    assert.equal(tokensEqual('abc', 'abd'), false);
    assert.equal(tokensEqual('abc', 'abcd'), false);
    assert.equal(tokensEqual('', 'abc'), false);
  });

  test('scopeOf accepts only "Bearer <token>"', () => {
    const tokens = { admin: 'A'.repeat(43), read: 'R'.repeat(43) };
    assert.equal(scopeOf(`Bearer ${tokens.admin}`, tokens), 'admin');
    assert.equal(scopeOf(`bearer ${tokens.read}`, tokens), 'read');
    assert.equal(scopeOf(tokens.admin, tokens), undefined);
    assert.equal(scopeOf(`Basic ${tokens.admin}`, tokens), undefined);
    assert.equal(scopeOf(`Bearer ${tokens.admin}x`, tokens), undefined);
    assert.equal(scopeOf(undefined, tokens), undefined);
  });
});

describe('control app (in process)', () => {
  let ctx: InProcess;
  before(async () => {
    ctx = await inProcess({ allowOrigins: [HOST_PAGE], maxBodyBytes: 1024 });
  });
  after(() => ctx.close());

  test('an authorized request works', async () => {
    const response = await ctx.request('/api/status');
    assert.equal(response.status, 200);
    const status = (await response.json()) as { state: string; enabled: boolean };
    assert.equal(status.state, 'running');
    assert.equal(status.enabled, true);
  });

  const refusals: [name: string, path: string, init: RequestInit & { token?: string | null }, status: number, code: string, text: RegExp][] = [
    ['no token', '/api/reload', { method: 'POST', token: null }, 401, 'HS_CONTROL_AUTH', /Missing "Authorization: Bearer <token>"/],
    ['a wrong token', '/api/reload', { method: 'POST', token: 'not-the-token' }, 401, 'HS_CONTROL_AUTH', /Wrong token/],
    ['a foreign Origin', '/api/reload', { method: 'POST', headers: { origin: 'http://evil.example' } }, 403, 'HS_CONTROL_FORBIDDEN', /Origin "http:\/\/evil.example"/],
    ['Origin null (sandboxed page, file://)', '/api/reload', { method: 'POST', headers: { origin: 'null' } }, 403, 'HS_CONTROL_FORBIDDEN', /Origin "null"/],
    ['a foreign Host (DNS rebinding)', '/api/reload', { method: 'POST', headers: { host: `evil.example:${PORT}` } }, 403, 'HS_CONTROL_FORBIDDEN', /Host "evil.example:4321"/],
    ['the right host name on another port', '/api/reload', { method: 'POST', headers: { host: '127.0.0.1:9' } }, 403, 'HS_CONTROL_FORBIDDEN', /Host/],
  ];
  for (const [name, path, init, status, code, text] of refusals) {
    test(`POST /api/reload with ${name}: ${status}, and nothing reloads`, async () => {
      const before = await stateOf(ctx);
      const response = await ctx.request(path, init);
      assert.equal(response.status, status);
      const error = await errorOf(response);
      assert.equal(error.code, code);
      assert.match(error.text, text);
      assert.ok(error.hint, 'every refusal says what to do');
      if (status === 401) assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="hotswap"');
      assert.deepEqual(await stateOf(ctx), before);
    });
  }

  test('a foreign Host or Origin is refused before auth: even static pages and with a valid token', async () => {
    for (const path of ['/', '/panel.js', '/api/status', '/metrics']) {
      assert.equal((await ctx.request(path, { headers: { host: 'attacker.example' } })).status, 403, path);
      assert.equal((await ctx.request(path, { headers: { origin: 'https://attacker.example' } })).status, 403, path);
    }
  });

  test('every API route needs the token', async () => {
    for (const path of ['/api/status', '/api/stats', '/api/modules', '/api/graph', '/api/events', '/api/events/recent', '/metrics']) {
      const response = await ctx.request(path, { token: null });
      assert.equal(response.status, 401, path);
    }
  });

  test('the read (panel) token reads but cannot reload', async () => {
    assert.equal((await ctx.request('/api/stats', { token: ctx.tokens.read })).status, 200);
    const before = await stateOf(ctx);
    const response = await ctx.request('/api/reload', { method: 'POST', token: ctx.tokens.read });
    assert.equal(response.status, 403);
    assert.match((await errorOf(response)).text, /read-only/);
    assert.deepEqual(await stateOf(ctx), before);
  });

  test('an allow-listed origin gets CORS headers and a preflight answer; others get none', async () => {
    const preflight = await ctx.request('/api/events', { method: 'OPTIONS', token: null, headers: { origin: HOST_PAGE, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), HOST_PAGE);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const get = await ctx.request('/api/stats', { token: ctx.tokens.read, headers: { origin: HOST_PAGE } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), HOST_PAGE);
    const self = await ctx.request('/api/stats', { headers: { origin: `http://127.0.0.1:${PORT}` } });
    assert.equal(self.status, 200);
    assert.equal(self.headers.get('access-control-allow-origin'), null, 'same-origin needs no CORS header');
  });

  test('oversized body: 413 with the limit, nothing reloads', async () => {
    const before = await stateOf(ctx);
    const response = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file: 'x'.repeat(2000) }) });
    assert.equal(response.status, 413);
    const error = await errorOf(response);
    assert.equal(error.code, 'HS_CONTROL_BAD_REQUEST');
    assert.match(error.text, /larger than 1024 bytes/);
    assert.deepEqual(await stateOf(ctx), before);
  });

  const malformed: [name: string, body: string, contentType: string, status: number, text: RegExp][] = [
    ['malformed JSON', '{"file": ', 'application/json', 400, /Malformed JSON body/],
    ['a non-JSON content type', 'file=main.ts', 'application/x-www-form-urlencoded', 415, /must be JSON/],
    ['an unknown key', '{"files": ["main.ts"]}', 'application/json', 400, /Invalid reload request: files: /],
    ['a wrong type', '{"file": 42}', 'application/json', 400, /Invalid reload request: file: /],
    ['both file and module', '{"file": "dep.ts", "module": "dep.ts"}', 'application/json', 400, /either "file" or "module"/],
    ['an array', '[]', 'application/json', 400, /Invalid reload request/],
    ['a file outside the roots', '{"file": "/etc/passwd"}', 'application/json', 400, /outside the project roots/],
  ];
  for (const [name, body, contentType, status, text] of malformed) {
    test(`POST /api/reload with ${name}: ${status} and a clear message`, async () => {
      const before = await stateOf(ctx);
      const response = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': contentType }, body });
      assert.equal(response.status, status);
      const error = await errorOf(response);
      assert.equal(error.code, 'HS_CONTROL_BAD_REQUEST');
      assert.match(error.text, text);
      assert.deepEqual(await stateOf(ctx), before);
    });
  }

  test('an unknown module: 404', async () => {
    const response = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"module":"nope.ts"}' });
    assert.equal(response.status, 404);
    assert.equal((await errorOf(response)).code, 'HS_CONTROL_NOT_FOUND');
  });

  test('unknown routes: JSON 404', async () => {
    const response = await ctx.request('/api/nope');
    assert.equal(response.status, 404);
    assert.equal((await errorOf(response)).code, 'HS_CONTROL_NOT_FOUND');
  });

  test('accepted reloads: {} re-runs everything, {module} and {file} reload one', async () => {
    const all = await ctx.request('/api/reload', { method: 'POST' });
    assert.equal(all.status, 200);
    const { result } = (await all.json()) as { result: { status: string; updated: { path: string }[] } };
    assert.equal(result.status, 'committed');
    assert.deepEqual(result.updated.map((u) => u.path).sort(), ['dep.ts', 'main.ts']);

    writeFiles(ctx.dir, { 'dep.ts': "export function value(): string {\n  return 'v2';\n}\n" });
    const one = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file":"dep.ts"}' });
    const body = (await one.json()) as { result: { status: string; updated: { path: string }[] } };
    assert.equal(body.result.status, 'committed');
    assert.deepEqual(body.result.updated.map((u) => u.path), ['dep.ts']);
    const sameFile = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file":"dep.ts"}' });
    assert.equal(((await sameFile.json()) as { result: { status: string } }).result.status, 'skipped', 'an unchanged file is a no-op');
    const forced = await ctx.request('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"module":"dep.ts"}' });
    const forcedBody = (await forced.json()) as { result: { status: string; updated: { path: string }[] } };
    assert.equal(forcedBody.result.status, 'committed', 'a module reload re-runs it even unchanged');
    assert.deepEqual(forcedBody.result.updated.map((u) => u.path), ['dep.ts']);
  });

  test('the dashboard is served with a strict CSP and no framing', async () => {
    const response = await ctx.request('/', { token: null });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(await response.text(), /<title>hotswap<\/title>/);
    const panel = await ctx.request('/panel.js', { token: null });
    assert.equal(panel.status, 200);
    assert.match(panel.headers.get('content-type') ?? '', /javascript/);
  });
});

describe('control server on a socket', () => {
  let dir: string;
  let runtime: Runtime;
  let server: ControlServer;
  before(async () => {
    dir = tempDir();
    writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': 'export const a = 1;\n' });
    runtime = createRuntime({ root: dir, cacheDir: false, watch: false });
    await runtime.import('main.ts');
    server = await startControlServer({ runtime, port: 0 });
  });
  after(async () => {
    await server.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  const raw = (path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  test('writes control.json and 0600 token files that match the server', () => {
    const info = JSON.parse(readFileSync(join(dir, '.hotswap', 'control.json'), 'utf8')) as { pid: number; url: string; started: string };
    assert.equal(info.pid, process.pid);
    assert.equal(info.url, server.url);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(!Number.isNaN(Date.parse(info.started)));
    for (const [file, token] of [['token', server.tokens.admin], ['panel-token', server.tokens.read]] as const) {
      const path = join(dir, '.hotswap', file);
      assert.equal(statSync(path).mode & 0o777, 0o600, `${file} is mode 0600`);
      assert.equal(readFileSync(path, 'utf8').trim(), token);
    }
    assert.equal(server.dashboardUrl, `${server.url}/#token=${server.tokens.admin}`);
  });

  test('over HTTP: token required, forged Host refused, refused POST changes nothing', async () => {
    const auth = { authorization: `Bearer ${server.tokens.admin}` };
    assert.equal((await raw('/api/status', auth)).status, 200);
    assert.equal((await raw('/api/status', {})).status, 401);
    assert.equal((await raw('/api/status', { ...auth, host: `rebind.example:${server.port}` })).status, 403);
    const before = runtime.stats().reloads;
    assert.equal((await raw('/api/reload', { ...auth, origin: 'https://evil.example' }, 'POST')).status, 403);
    assert.equal((await raw('/api/reload', { authorization: 'Bearer wrong' }, 'POST')).status, 401);
    assert.equal(runtime.stats().reloads, before);
    const ok = await raw('/api/reload', auth, 'POST');
    assert.equal(ok.status, 200);
    assert.equal(runtime.stats().reloads, before + 1);
  });

  test('an event stream the client drops is unsubscribed (no listener leak in a long-running process)', async () => {
    const before = server.feed.subscriberCount;
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const response = await fetch(`${server.url}/api/events`, { headers: { authorization: `Bearer ${server.tokens.read}` }, signal: abort.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // hello
      assert.equal(server.feed.subscriberCount, before + 1);
      abort.abort();
      await waitUntil(() => server.feed.subscriberCount === before, 'the server to drop the subscription');
    }
  });

  test('close() removes control.json and is idempotent', async () => {
    const extra = await startControlServer({ runtime, port: 0, writeFiles: false });
    const first = extra.close();
    assert.equal(extra.close(), first);
    await first;
    assert.equal(extra.isClosed(), true);
    assert.ok(existsSync(join(dir, '.hotswap', 'control.json')), 'a server that did not write the files does not remove them');
    await server.close();
    assert.equal(existsSync(join(dir, '.hotswap', 'control.json')), false);
  });
});
