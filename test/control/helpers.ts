/**
 * Test helpers for the control plane: temp projects, an in-process app over a
 * real runtime, a reader for event streams, and the real CLI as a child
 * process. Waits are on events or state, never fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTokens, type ControlTokens } from '../../src/control/auth.ts';
import { createControlApp } from '../../src/control/control-app.ts';
import { EventFeed } from '../../src/control/event-feed.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'hotswap.js');
export const ARTIFACTS = join(REPO, 'test-artifacts');
export const PORT = 4321;
export const BASE = `http://127.0.0.1:${PORT}`;

export function tempDir(prefix = 'hotswap-control-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/**
 * Writes like an editor's atomic save (temp file + rename). A plain writeFileSync truncates
 * first, and a watcher that reads in between sees an empty module: a real (and correctly
 * reported) failure, but not the one a test means to cause.
 */
export function saveFile(path: string, content: string): void {
  // named like vim's swap file, which the watcher ignores: only the rename is an event
  const temp = join(dirname(path), `.${basename(path)}.swp`);
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** A copy of examples/hello-server in a temp dir (it imports only node builtins). */
export function copyHelloServer(): string {
  const dir = tempDir('hotswap-hello-');
  cpSync(join(REPO, 'examples', 'hello-server'), dir, { recursive: true, filter: (src) => !src.includes(`${'/'}.hotswap`) });
  return dir;
}

export interface InProcess {
  dir: string;
  runtime: Runtime;
  feed: EventFeed;
  tokens: ControlTokens;
  app: ReturnType<typeof createControlApp>;
  /** Authorized request helper (admin token unless `token` is given). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** A real runtime on a small temp project (main → dep), with the control app in process. */
export async function inProcess(options: { allowOrigins?: string[]; files?: Record<string, string>; maxBodyBytes?: number } = {}): Promise<InProcess> {
  const dir = tempDir();
  writeFiles(dir, options.files ?? {
    'package.json': '{ "type": "module" }',
    'main.ts': "import { value } from './dep.ts';\nexport const read = (): string => value();\n",
    'dep.ts': "export function value(): string {\n  return 'v1';\n}\n",
  });
  const runtime = createRuntime({ root: dir, cacheDir: false, watch: false });
  await runtime.import('main.ts');
  const feed = new EventFeed({ runtime });
  const tokens = createTokens();
  const app = createControlApp({ feed, tokens, port: PORT, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}), ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) });
  return {
    dir,
    runtime,
    feed,
    tokens,
    app,
    request(path, init = {}) {
      const { token = tokens.admin, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      return Promise.resolve(app.request(`${BASE}${path}`, { ...rest, headers }));
    },
    async close() {
      feed.close();
      await runtime.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    },
  };
}

export interface SseMessage {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/** Reads an SSE response; `next(predicate)` resolves with the first matching message not yet consumed. */
export function sseReader(response: Response): { next(predicate?: (m: SseMessage) => boolean): Promise<SseMessage>; all: SseMessage[]; cancel(): Promise<void> } {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const all: SseMessage[] = [];
  let buffer = '';
  let consumed = 0;
  const pump = async (): Promise<void> => {
    const { value, done } = await reader.read();
    if (done) throw new Error(`event stream ended; got ${all.map((m) => m.event).join(', ')}`);
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data) all.push({ event, id, data: JSON.parse(data) as Record<string, unknown> });
    }
  };
  return {
    all,
    async next(predicate = () => true) {
      for (;;) {
        while (consumed < all.length) {
          const message = all[consumed++] as SseMessage;
          if (predicate(message)) return message;
        }
        await pump();
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** Polls `check` until it returns a truthy value (state, not time, decides; the timeout only bounds a hang). */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<Awaited<T>>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<Awaited<T>>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once stdout+stderr match `pattern` (rejects if the process exits first, or after `timeoutMs`: a hang bound, not a timing assumption). */
  waitFor(pattern: RegExp, what?: string, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Spawns the real CLI (`node bin/hotswap.js ...`); the caller must `kill()` it in after/finally. */
export function spawnCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of waiters) w(); // deleting the current entry while iterating a Set is safe
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => ((out += chunk), notify()));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => ((err += chunk), notify()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => (notify(), resolve(code))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, what = String(pattern), timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          const match = (out + err).match(pattern);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before ${what}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, { cwd });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A port that was free a moment ago (for configs that must name a port before the app starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
