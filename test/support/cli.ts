/**
 * Spawns the real CLI (`bin/hotswap.js`) on the pinned Node and waits on its
 * output lines (events, never sleeps). Every process is killed in `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/hotswap.js', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first line (stdout or stderr, as chosen) matching, looking at lines already seen too. */
  waitForLine(stream: 'stdout' | 'stderr', match: RegExp | ((line: string) => boolean), timeoutMs?: number, fromIndex?: number): Promise<string>;
  /** JSON reload events from `--log-format json`. */
  reloads(): Record<string, unknown>[];
  /** Waits for a reload event among stderr lines from `fromIndex` on (take `stderr.length` before the edit). */
  waitForReload(predicate: (event: Record<string, unknown>) => boolean, fromIndex: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    let buffer = '';
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      buffer += chunk;
      let index: number;
      while ((index = buffer.indexOf('\n')) >= 0) {
        lines[stream].push(buffer.slice(0, index));
        buffer = buffer.slice(index + 1);
      }
      for (const wake of waiters) wake();
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));

  const waitForLine: RunningCli['waitForLine'] = (stream, match, timeoutMs = 30_000, fromIndex = 0) =>
    new Promise((resolve, reject) => {
      const test = typeof match === 'function' ? match : (line: string) => match.test(line);
      const check = (): void => {
        const found = lines[stream].slice(fromIndex).find(test);
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (exitedFlag) {
          cleanup();
          reject(new Error(`process exited before a ${stream} line matched ${String(match)}\nstdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for a ${stream} line matching ${String(match)}\nstdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const parseReloads = (): Record<string, unknown>[] =>
    lines.stderr
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((e) => e['event'] === 'reload');

  return {
    child,
    stdout: lines.stdout,
    stderr: lines.stderr,
    waitForLine,
    reloads: parseReloads,
    async waitForReload(predicate, fromIndex, timeoutMs = 30_000) {
      const line = await waitForLine('stderr', (l) => {
        if (!l.startsWith('{')) return false;
        try {
          const event = JSON.parse(l) as Record<string, unknown>;
          return event['event'] === 'reload' && predicate(event);
        } catch {
          return false;
        }
      }, timeoutMs, fromIndex);
      return JSON.parse(line) as Record<string, unknown>;
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (!exitedFlag) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** GET a URL and return the body text. */
export async function get(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}
