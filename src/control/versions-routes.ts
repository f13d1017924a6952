/**
 * The control API of the version store: history, one version with its source
 * and a diff, rollback points, rollback, apply and prune. Reading needs a
 * token of either kind; writing (POST) is refused for the read-only panel
 * token by the auth middleware before any route runs.
 */
import { resolve as resolvePath } from 'node:path';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as v from 'valibot';
import { ERROR_CODES, isHotswapError, serializeError, type SerializedError } from '../errors.ts';
import type { TokenScope } from './auth.ts';
import type { EventFeed } from './event-feed.ts';
import { describeIssues } from './schemas.ts';
import { versionsFor, type Versions } from '../versions/attach-versions.ts';
import { findVersion } from '../versions/live-change.ts';
import { lineDiff } from '../versions/line-diff.ts';
import type { VersionRow } from '../versions/version-store.ts';

type Env = { Variables: { scope: TokenScope } };

const text = (max: number, what: string) => v.pipe(v.string(`${what} must be a string`), v.maxLength(max, `${what} is too long`));

const ApplySchema = v.strictObject({
  module: v.pipe(text(4096, '"module"'), v.nonEmpty('"module" must not be empty')),
  code: text(4 * 1024 * 1024, '"code"'),
  mode: v.optional(text(200, '"mode"')),
  from: v.optional(text(4096, '"from"')),
  reason: v.optional(text(2000, '"reason"')),
  user: v.optional(text(200, '"user"')),
  dryRun: v.optional(v.boolean('"dryRun" must be true or false')),
  expectHash: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, '"expectHash" must be a SHA-256 hex digest'))),
});

const RollbackSchema = v.strictObject({
  target: v.union([v.pipe(v.number(), v.integer()), text(4200, '"target"')], '"target" must be a version id or "<module>@<n>"'),
  reason: v.optional(text(2000, '"reason"')),
  user: v.optional(text(200, '"user"')),
});

const PruneSchema = v.strictObject({ keep: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, '"keep" must be at least 1'))) });

type Fail = (c: Context, status: 400 | 401 | 403 | 404 | 413 | 415 | 500, code: string, text: string, hint?: string) => Response;

export function registerVersionRoutes(app: Hono<Env>, feed: EventFeed, fail: Fail): void {
  const { runtime } = feed;
  const get = (c: Context): Versions | Response => {
    const versions = versionsFor(runtime);
    if (!versions) return c.json({ error: { code: ERROR_CODES.VERSIONS_UNAVAILABLE, text: 'Version history is off in this process (versions: false, or not started by hotswap run)', hint: 'Remove "versions: false" from the hotswap config and restart.' } }, 503);
    if (!versions.service.store) return c.json({ error: { code: ERROR_CODES.VERSIONS_UNAVAILABLE, text: versions.service.unavailable ?? 'history is off', hint: 'Run "hotswap doctor": .hotswap/versions.db must be a writable SQLite file.' } }, 503);
    return versions;
  };
  const thrown = (c: Context, error: unknown): Response => {
    if (!isHotswapError(error)) throw error;
    const status = error.code === ERROR_CODES.VERSION_NOT_FOUND ? 404 : error.code === ERROR_CODES.VERSIONS_UNAVAILABLE ? 503 : 400;
    return c.json({ error: relError(serializeError(error), (f) => feed.rel(f)) }, status);
  };
  const body = async <S extends v.GenericSchema>(c: Context, schema: S, hint: string): Promise<v.InferOutput<S> | Response> => {
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return fail(c, 415, ERROR_CODES.CONTROL_BAD_REQUEST, 'The body must be JSON (Content-Type: application/json)', hint);
    let data: unknown;
    try {
      data = JSON.parse(await c.req.text());
    } catch (error) {
      return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, `Malformed JSON body: ${(error as Error).message}`, hint);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, 'The body must be a JSON object', hint);
    const parsed = v.safeParse(schema, data);
    return parsed.success ? parsed.output : fail(c, 400, ERROR_CODES.CONTROL_BAD_REQUEST, `Invalid request: ${describeIssues(parsed.issues)}`, hint);
  };
  const caller = (c: Context<Env>, user: string | undefined): string => `${c.get('scope')} token${user ? ` (${user})` : ''}`;
  const limit = (max: number) => bodyLimit({ maxSize: max, onError: (c) => fail(c, 413, ERROR_CODES.CONTROL_BAD_REQUEST, `Request body is larger than ${max} bytes`) });

  app.get('/api/history', (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const store = versions.service.store;
    const module = c.req.query('module');
    const n = Number(c.req.query('limit') ?? 50);
    try {
      const rel = module === undefined ? undefined : versions.service.rel(resolvePath(runtime.root, module));
      const rows = store?.history({ module: rel, limit: Number.isInteger(n) && n > 0 ? n : 50 }) ?? [];
      return c.json({ versions: rows.map((r) => present(versions, r)), modules: store?.modules() ?? [] });
    } catch (error) {
      return thrown(c, error);
    }
  });

  app.get('/api/versions/:id', (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const store = versions.service.store;
    const row = store?.get(Number(c.req.param('id')));
    if (!store || !row) return fail(c, 404, ERROR_CODES.VERSION_NOT_FOUND, `No version ${c.req.param('id')}`, 'GET /api/history lists the versions.');
    const againstId = c.req.query('against');
    const other = againstId !== undefined ? store.get(Number(againstId)) : row.parentId !== null ? store.get(row.parentId) : undefined;
    if (againstId !== undefined && !other) return fail(c, 404, ERROR_CODES.VERSION_NOT_FOUND, `No version ${againstId}`, 'GET /api/history lists the versions.');
    const source = row.hash ? (store.source(row.hash) ?? null) : null;
    const otherSource = other?.hash ? (store.source(other.hash) ?? '') : '';
    const label = (r: VersionRow | undefined): string => (r ? `${r.module}@${r.seq} (#${r.id})` : '(none)');
    return c.json({ version: present(versions, row), source, against: other ? present(versions, other) : null, diff: source === null ? '' : lineDiff(otherSource, source, { from: label(other), to: label(row) }) });
  });

  app.get('/api/rollback-points', (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const store = versions.service.store;
    const module = c.req.query('module');
    const rows = (store?.history({ module: module === undefined ? undefined : versions.service.rel(resolvePath(runtime.root, module)), limit: 1000 }) ?? []).filter((r) => r.result === 'committed' && r.hash !== null && r.state !== 'rolled-back');
    return c.json({ points: rows.map((r) => present(versions, r)) });
  });

  app.post('/api/rollback', limit(64 * 1024), async (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const input = await body(c, RollbackSchema, 'Send { "target": <version id> | "<module>@<n>", "reason"?: "..." }.');
    if (input instanceof Response) return input;
    try {
      // Throws before anything runs when the target is unknown or outside the roots.
      findVersion(versions.service, input.target);
      const outcome = await versions.rollback(input.target, { caller: caller(c, input.user), reason: input.reason });
      return c.json({ outcome: { ...outcome, error: outcome.error && relError(outcome.error, (f) => feed.rel(f)), version: outcome.version ? present(versions, outcome.version) : null } });
    } catch (error) {
      return thrown(c, error);
    }
  });

  app.post('/api/apply', limit(5 * 1024 * 1024), async (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const input = await body(c, ApplySchema, 'Send { "module": "<path>", "code": "...", "mode"?: "replace|append|export:<name>", "dryRun"?: true }.');
    if (input instanceof Response) return input;
    try {
      const outcome = await versions.apply({ module: input.module, code: input.code, mode: input.mode, from: input.from, reason: input.reason, caller: caller(c, input.user), dryRun: input.dryRun, expectHash: input.expectHash });
      return c.json({ outcome: { ...outcome, error: outcome.error && relError(outcome.error, (f) => feed.rel(f)), version: outcome.version ? present(versions, outcome.version) : null } });
    } catch (error) {
      return thrown(c, error);
    }
  });

  app.post('/api/versions/prune', limit(4096), async (c) => {
    const versions = get(c);
    if (versions instanceof Response) return versions;
    const input = await body(c, PruneSchema, 'Send {} or { "keep": <n> }.');
    if (input instanceof Response) return input;
    const removed = versions.service.store?.prune(input.keep ?? versions.service.keep) ?? { versions: 0, sources: 0 };
    return c.json({ removed, keep: input.keep ?? versions.service.keep });
  });
}

/** Errors name project files by their project-relative path, as everywhere in the control API. */
function relError(error: SerializedError, rel: (file: string) => string): SerializedError {
  return error.location ? { ...error, location: { ...error.location, file: rel(error.location.file) } } : error;
}

/** A row as the API shows it: plus whether it is what runs now. */
function present(versions: Versions, row: VersionRow): VersionRow & { running: boolean } {
  const current = versions.service.runtime.moduleVersion(versions.service.abs(row.module));
  const running = row.result === 'committed' && current?.hash === row.hash && versions.service.store?.latest(row.module)?.id === row.id;
  return { ...row, running };
}
