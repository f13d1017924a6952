/**
 * The dashboard and the panel are plain browser files in `./dashboard/`
 * (kept as real .js/.css/.html so they are readable, diffable and served
 * byte for byte). tsc does not copy them to dist/, so a build looks for them
 * beside itself first and then in the source tree (`dist/control/` →
 * `../../src/control/dashboard/`). They are read once, when the server starts.
 *
 * Q: Why not embed them as TS string modules? The dashboard script is full of
 * template literals; escaping it inside another template literal would make it
 * unreadable, and the browser test exercises the real files either way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, HotswapError } from '../errors.ts';

export interface Asset {
  body: string;
  type: string;
  etag: string;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'graph.js': 'text/javascript; charset=utf-8',
  'history.js': 'text/javascript; charset=utf-8',
  'history.css': 'text/css; charset=utf-8',
  'panel.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const CANDIDATES = [new URL('./dashboard/', import.meta.url), new URL('../../src/control/dashboard/', import.meta.url)];

export function dashboardDir(): string {
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new HotswapError(ERROR_CODES.USAGE, `Dashboard assets not found (looked in ${CANDIDATES.map((c) => fileURLToPath(c)).join(' and ')})`, {
    hint: 'Reinstall hotswap; a build must ship src/control/dashboard/ (or copy it to dist/control/dashboard/).',
  });
}

let cached: Map<string, Asset> | undefined;

export function loadAssets(): Map<string, Asset> {
  if (cached) return cached;
  const dir = dashboardDir();
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(FILES)) {
    const body = readFileSync(`${dir}${name}`, 'utf8');
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }
  cached = assets;
  return assets;
}
