/** Drives an installed consumer app: `npx hotswap run` in its directory, and Node look-ups. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface ConsumerApp {
  child: ChildProcess;
  /** Resolves with the app's base URL once it printed `listening on ...`. */
  listening: Promise<string>;
  output(): string;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startConsumer(cwd: string, path: string, env: Record<string, string> = {}): ConsumerApp {
  const child = spawn('npx', ['--no-install', 'hotswap', 'run', 'src/main.ts'], {
    cwd,
    env: { ...process.env, PATH: path, PORT: '0', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npx and the node it starts stop together
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`the app exited before it listened:\n${out}`)));
  });
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    child,
    listening,
    output: () => out,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-(child.pid as number), 'SIGTERM');
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 10_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      })();
      return stopping;
    },
  };
}

/** Polls a URL until its body is `expected` (the reload is asynchronous to the save); bounded. */
export async function waitForBody(url: string, expected: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await (await fetch(url)).text();
    if (last === expected) return last;
    await delay(25);
  }
  throw new Error(`${url} still answers ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}

/** A Node older than the supported floor, if this machine has one (Debian's is v20 on this kind). */
export function findOldNode(): { path: string; version: string } | undefined {
  const candidates = new Set(['/usr/bin/node', '/usr/local/bin/node']);
  const which = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' });
  for (const line of which.stdout?.split('\n') ?? []) if (line.trim()) candidates.add(line.trim());
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
    if (major > 0 && (major < 22 || (major === 22 && minor < 13))) return { path, version };
  }
  return undefined;
}
