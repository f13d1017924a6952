/**
 * A small HTTP app under the real `hotswap run`, for the version tests:
 * `GET /<name>` calls the handler `<name>` of lib/engine.ts (through the
 * module namespace, so exports added by an apply are found), answering its
 * result, `missing` or `500 <error>`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli, tempDir, writeFiles, type CliProcess } from '../control/helpers.ts';

export const MAIN = `import { createServer } from 'node:http';
import * as engine from './lib/engine.ts';
import { userTag } from './lib/user.ts';

const server = createServer((req, res) => {
  const name = (req.url ?? '/').slice(1);
  const handler = name === 'userTag' ? userTag : (engine as Record<string, unknown>)[name];
  if (typeof handler !== 'function') return void res.end('missing');
  try {
    res.end(String(handler()));
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log('listening on http://127.0.0.1:' + (typeof address === 'object' && address ? address.port : 0));
});
import.meta.hot?.dispose(() => server.close());
`;

export const ENGINE = `export function engineVersion(): string {
  return 'v1';
}
`;

export const USER = `import { engineVersion } from './engine.ts';
export function userTag(): string {
  return 'user:' + engineVersion();
}
`;

export interface VersionApp {
  dir: string;
  app: CliProcess;
  url: string;
  call(name: string): Promise<{ status: number; body: string }>;
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  read(relative: string): string;
  close(): Promise<void>;
}

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function startVersionApp(files: Record<string, string> = {}, versions: Record<string, unknown> = { windowMs: 300 }): Promise<VersionApp> {
  const dir = tempDir('hotswap-versions-');
  writeFiles(dir, { 'package.json': JSON.stringify({ type: 'module', hotswap: { versions } }), 'main.ts': MAIN, 'lib/engine.ts': ENGINE, 'lib/user.ts': USER, ...files });
  const app = spawnCli(['run', 'main.ts'], { cwd: dir });
  const [, url] = (await app.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 'the app to listen')) as RegExpMatchArray & [string, string];
  await app.waitFor(/control http:\/\/127\.0\.0\.1:\d+/, 'the control server');
  return {
    dir,
    app,
    url,
    async call(name) {
      const response = await fetch(`${url}/${name}`);
      return { status: response.status, body: await response.text() };
    },
    cli: (...args) => runCli(args, dir),
    read: (relative) => readFileSync(join(dir, relative), 'utf8'),
    async close() {
      await app.kill();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    },
  };
}

export interface HistoryRow {
  id: number;
  module: string;
  seq: number;
  hash: string | null;
  parentId: number | null;
  trigger: string;
  result: string;
  state: string;
  caller: string | null;
  reason: string | null;
  timings: { stage: number; validate: number; commit: number; dispose: number; total: number } | null;
  error: { code: string; text: string } | null;
}

export async function history(app: VersionApp, module?: string): Promise<HistoryRow[]> {
  const { code, stdout, stderr } = await app.cli('history', ...(module ? [module] : []), '--json', '--limit', '100');
  if (code !== 0) throw new Error(`history failed: ${stderr}`);
  return JSON.parse(stdout) as HistoryRow[];
}

/** History straight from the control API (no CLI process: fast enough to poll between calls under load). */
export async function apiHistory(app: VersionApp, module: string): Promise<HistoryRow[]> {
  const info = JSON.parse(app.read('.hotswap/control.json')) as { url: string };
  const response = await fetch(`${info.url}/api/history?module=${encodeURIComponent(module)}&limit=100`, { headers: { authorization: `Bearer ${app.read('.hotswap/token').trim()}` } });
  return ((await response.json()) as { versions: HistoryRow[] }).versions;
}
