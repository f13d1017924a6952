/**
 * The control API as a Hono app: guard (Host, Origin, CORS) → static assets →
 * bearer auth → routes. Built without a socket, so tests drive it with
 * `app.request()`; `control-server.ts` puts it on 127.0.0.1.
 */
import { resolve as resolvePath, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { ERROR_CODES } from '../errors.ts';
import { loadAssets } from './assets.ts';
import { classifyOrigin, scopeOf, selfHosts, type ControlTokens, type TokenScope } from './auth.ts';
import { describeReload, type EventFeed } from './event-feed.ts';
import { streamEvents } from './event-stream.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import { isJsonContentType, readBodyLimited } from './read-body.ts';
import { describeIssues, ReloadBodySchema } from './schemas.ts';
import { leaksSnapshot } from './leaks-snapshot.ts';
import { registerVersionRoutes } from './versions-routes.ts';
import { graphSnapshot, modulesSnapshot, statsSnapshot, statusSnapshot } from './snapshots.ts';

export interface ControlAppOptions {
  feed: EventFeed;
  tokens: ControlTokens;
  /** The port the server listens on: Host and Origin must name it. */
  port: number;
  /** Host-page origins allowed to call the API from a browser (CORS), e.g. `http://127.0.0.1:3000`. @default [] */
  allowOrigins?: readonly string[];
  /** Largest accepted request body, bytes. @default 65536 */
  maxBodyBytes?: number;
  /** Comment line sent on idle event streams, ms. @default 15000 */
  heartbeatMs?: number;
}

type Env = { Variables: { scope: TokenScope } };

const STATIC_ROUTES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/dashboard.css': 'dashboard.css',
  '/dashboard.js': 'dashboard.js',
  '/graph.js': 'graph.js',
  '/history.js': 'history.js',
  '/history.css': 'history.css',
  '/panel.js': 'panel.js',
  '/favicon.svg': 'favicon.svg',
};

// The dashboard holds an admin token: no inline script, no foreign connections, no framing.
const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function fail(c: Context, status: 400 | 401 | 403 | 404 | 413 | 415 | 500, code: string, text: string, hint?: string): Response {
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="hotswap"');
  c.header('Cache-Control', 'no-store');
  return c.json({ error: { code, text, hint: hint ?? null } }, status);
}

export function createControlApp(options: ControlAppOptions): Hono<Env> {
  const { feed, tokens, port } = options;
  const { runtime } = feed;
  const hosts = selfHosts(port);
  const allowOrigins = new Set(options.allowOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const assets = loadAssets();
  const app = new Hono<Env>();

  app.onError((error, c) => fail(c, 500, ERROR_CODES.INTERNAL, `Internal error in the control server: ${error.message}`, 'This is a bug in hotswap; the app itself is not affected.'));
  app.notFound((c) => fail(c, 404, ERROR_CODES.CONTROL_NOT_FOUND, `No route ${c.req.method} ${c.req.path}`, 'See docs/control-api.md for the endpoints.'));

  // guard: runs before anything else, so a refused request never reaches a route
  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hosts.has(host.toLowerCase())) {
      return fail(c, 403, ERROR_CODES.CONTROL_FORBIDDEN, `Host "${host}" is not this control server`, `Use http://127.0.0.1:${port}/ (requests under another host name are refused to stop DNS rebinding).`);
    }
    const origin = c.req.header('origin');
    const verdict = classifyOrigin(origin, port, allowOrigins);
    if (verdict === 'refused') {
      return fail(c, 403, ERROR_CODES.CONTROL_FORBIDDEN, `Origin "${origin}" may not use this control server`, 'Add the page\'s origin to control.allowOrigins in the hotswap config to embed the panel.');
    }
    if (verdict === 'allowed' && origin !== undefined) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
      if (c.req.method === 'OPTIONS') {
        c.header('Access-Control-Allow-Methods', 'GET, POST');
        c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID');
        c.header('Access-Control-Max-Age', '600');
        return c.body(null, 204);
      }
    }
    if (c.req.method === 'OPTIONS') return c.body(null, 204);
    return next();
  });

  for (const [path, name] of Object.entries(STATIC_ROUTES)) {
    app.get(path, (c) => {
      const asset = assets.get(name);
      if (!asset) return c.notFound();
      c.header('Cache-Control', 'no-cache');
      c.header('ETag', asset.etag);
      if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
      if (name === 'index.html') {
        c.header('Content-Security-Policy', DASHBOARD_CSP);
        c.header('X-Frame-Options', 'DENY');
      }
      c.header('Content-Type', asset.type);
      return c.body(asset.body);
    });
  }

  // auth: every API route and /metrics
  const auth = async (c: Context<Env>, next: () => Promise<void>): Promise<Response | void> => {
    const header = c.req.header('authorization');
    const scope = scopeOf(header, tokens);
    if (!scope) {
      return header === undefined
        ? fail(c, 401, ERROR_CODES.CONTROL_AUTH, 'Missing "Authorization: Bearer <token>" header', 'The token is in .hotswap/token of the project (mode 0600); the hotswap CLI reads it for you.')
        : fail(c, 401, ERROR_CODES.CONTROL_AUTH, 'Wrong token', 'The process writes a new token each time it starts: read .hotswap/token again.');
    }
    if (scope === 'read' && c.req.method !== 'GET') {
      return fail(c, 403, ERROR_CODES.CONTROL_FORBIDDEN, 'The read-only (panel) token cannot change anything', 'Use the admin token from .hotswap/token.');
    }
    c.set('scope', scope);
    c.header('Cache-Control', 'no-store');
    await next();
  };
  app.use('/api/*', auth);
  app.use('/metrics', auth);

  app.get('/api/status', (c) => c.json(statusSnapshot(feed)));
  app.get('/api/stats', (c) => c.json(statsSnapshot(feed)));
  app.get('/api/modules', (c) => c.json({ modules: modulesSnapshot(feed) }));
  app.get('/api/graph', (c) => c.json(graphSnapshot(feed)));
  app.get('/api/leaks', async (c) => c.json(await leaksSnapshot(feed, c.req.query('gc') === '1')));
  app.get('/metrics', (c) => c.body(renderMetrics(feed), 200, { 'Content-Type': METRICS_CONTENT_TYPE }));
  app.get('/api/events/recent', (c) => {
    const after = toInt(c.req.query('after')) ?? 0;
    const limit = Math.min(toInt(c.req.query('limit')) ?? 100, 1000);
    return c.json({ events: feed.recent(after, limit), lastSeq: feed.lastSeq });
  });
  app.get('/api/events', (c) => streamEvents(c, feed, { heartbeatMs: options.heartbeatMs ?? 15_000, after: toInt(c.req.header('last-event-id') ?? c.req.query('after')) }));

  app.post('/api/reload', async (c) => {
    const hint = 'Send { "file": "<path>" }, { "module": "<path>" } or {}.';
    const type = c.req.header('content-type');
    // A declared type must be JSON even for an empty body; an undeclared one is fine only without a body.
    if (type !== undefined && !isJsonContentType(type)) {
      return fail(c, 415, ERROR_CODES.CONTROL_BAD_REQUEST, `The body must be JSON (Content-Type: application/json), not ${JSON.stringify(type.slice(0, 100))}`, hint);
    }
    const read = await readBodyLimited(c.req.raw, maxBodyBytes);
    if (!read.ok) {
      return read.reason === 'too-large'
        ? fail(c, 413, ERROR_CODES.CONTROL_BAD_REQUEST, `Request body is larger than ${maxBodyBytes} bytes`, hint)
        : fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, 'The body is not valid UTF-8', hint);
    }
    const text = read.text;
    let body: unknown = {};
    if (text.trim() !== '') {
      if (type === undefined) return fail(c, 415, ERROR_CODES.CONTROL_BAD_REQUEST, 'The body must be JSON (Content-Type: application/json)', hint);
      try {
        body = JSON.parse(text);
      } catch (error) {
        return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, `Malformed JSON body: ${(error as Error).message}`, hint);
      }
    }
    // valibot's object schemas take arrays too (typeof [] is 'object')
    if (Array.isArray(body)) return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, 'Invalid reload request: the body must be a JSON object, not an array', 'Send { "file": "<path>" }, { "module": "<path>" } or {} (everything).');
    const parsed = v.safeParse(ReloadBodySchema, body);
    if (!parsed.success) {
      return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, `Invalid reload request: ${describeIssues(parsed.issues)}`, 'Send { "file": "<path>" }, { "module": "<path>" } or {} (everything).');
    }
    const { file, module } = parsed.output;
    let files: string[] | undefined;
    if (file !== undefined) {
      const abs = resolvePath(runtime.root, file);
      if (!runtime.roots.some((root) => abs === root || abs.startsWith(root + sep))) {
        return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, `${file} is outside the project roots (${runtime.roots.join(', ')})`, 'Give a path inside a root, relative to the project directory.');
      }
      files = [abs];
    } else if (module !== undefined) {
      const abs = resolvePath(runtime.root, module);
      if (!runtime.modules().some((m) => m.file === abs)) {
        return fail(c, 404, ERROR_CODES.CONTROL_NOT_FOUND, `No loaded module ${module}`, 'GET /api/modules lists the loaded modules (paths relative to the project).');
      }
      files = [abs];
    }
    // A module reload re-runs it even when its source did not change; a file reload skips a no-op.
    // A file whose last load failed is tried again even unchanged: whoever asks wants its error, not "no change".
    const failing = file !== undefined && files !== undefined && runtime.modules().some((m) => m.file === files[0] && m.error !== undefined);
    const result = await runtime.reload(files, { force: module !== undefined || failing });
    return c.json({ result: describeReload(result, (f) => feed.rel(f)).data });
  });

  registerVersionRoutes(app, feed, fail);

  return app;
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
