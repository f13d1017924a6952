/**
 * Shared helpers of the benchmarks: statistics, machine info, child processes that are always
 * killed (also when a benchmark throws or is interrupted), HTTP polling, result files.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(BENCH_DIR);
export const HOTSWAP_BIN = join(REPO_ROOT, 'bin', 'hotswap.js');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

// ---------------------------------------------------------------- statistics

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
  stdev: number;
}

/** p-th percentile by nearest rank (p in 0..100) of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, median: Number.NaN, p95: Number.NaN, min: Number.NaN, max: Number.NaN, mean: Number.NaN, stdev: Number.NaN };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const stdev = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { n, median: round(median), p95: round(percentile(sorted, 95)), min: round(sorted[0] as number), max: round(sorted[n - 1] as number), mean: round(mean), stdev: round(stdev) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

// ---------------------------------------------------------------- machine

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGB: number;
  platform: string;
  kernel: string;
  node: string;
  hotswap: { bin: string; runs: 'dist' | 'src'; distStale: boolean; commit: string | undefined };
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const distBin = join(REPO_ROOT, 'dist', 'cli', 'bin.js');
  const runs = existsSync(distBin) ? 'dist' : 'src';
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGB: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    hotswap: { bin: HOTSWAP_BIN, runs, distStale: runs === 'dist' && newestMtime(join(REPO_ROOT, 'src')) > statSync(distBin).mtimeMs, commit: gitHead() },
    date: new Date().toISOString(),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** HEAD commit read from .git without running git. */
function gitHead(): string | undefined {
  try {
    const gitDir = join(REPO_ROOT, '.git');
    const head = readText(join(gitDir, 'HEAD')).trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    if (existsSync(join(gitDir, ref))) return readText(join(gitDir, ref)).trim();
    const packed = readText(join(gitDir, 'packed-refs'));
    return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0];
  } catch {
    return undefined;
  }
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** spawn() whose child is SIGKILLed when this process exits, however it exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  installCleanup();
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** Splits a stream into lines; `onLine` gets each complete line with its arrival time. */
export function onLines(stream: NodeJS.ReadableStream | null, onLine: (line: string, at: number) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const at = performance.now();
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      onLine(buffer.slice(0, newline), at);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  });
}

export interface ListeningApp {
  child: ChildProcess;
  port: number;
  /** ms from just before spawn() to the `listening on` line */
  startMs: number;
}

/**
 * Spawns a server process and waits for its `listening on http://127.0.0.1:PORT` line on stdout.
 * Rejects (and kills the child) if it exits first or `timeoutMs` passes.
 */
export function spawnServer(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onStderrLine?: (line: string, at: number) => void; onStdoutLine?: (line: string, at: number) => void }): Promise<ListeningApp> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const t0 = performance.now();
  const child = spawnTracked(command, args, { cwd: options.cwd, env: { ...process.env, PORT: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  onLines(child.stderr, (line, at) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    options.onStderrLine?.(line, at);
  });
  return new Promise<ListeningApp>((resolvePromise, reject) => {
    let done = false;
    const timer = setTimeout(() => fail(new Error(`no "listening on" line after ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void stopChild(child, 500);
      reject(new Error(`${error.message}: ${command} ${args.join(' ')} (cwd ${options.cwd})\n${stderrTail.join('\n')}`));
    }
    onLines(child.stdout, (line, at) => {
      options.onStdoutLine?.(line, at);
      if (done) return;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (!match) return;
      done = true;
      clearTimeout(timer);
      resolvePromise({ child, port: Number(match[1]), startMs: at - t0 });
    });
    child.once('exit', (code, signal) => fail(new Error(`exited (code ${code}, signal ${signal}) before listening`)));
    child.once('error', (error) => fail(error));
  });
}

// ---------------------------------------------------------------- HTTP

export class HttpClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #port: number;

  constructor(port: number) {
    this.#port = port;
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolvePromise, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.#port, path, agent: this.#agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * GETs `path` back to back (no sleep) until the body contains `token`. Resolves with the time
   * of the first matching response and the number of requests, or `undefined` after `timeoutMs`.
   */
  async pollUntil(path: string, token: string, timeoutMs: number): Promise<{ at: number; polls: number; errors: number } | undefined> {
    const deadline = performance.now() + timeoutMs;
    let polls = 0;
    let errors = 0;
    while (performance.now() < deadline) {
      polls++;
      try {
        const { body } = await this.get(path);
        if (body.includes(token)) return { at: performance.now(), polls, errors };
      } catch {
        errors++;
      }
    }
    return undefined;
  }

  close(): void {
    this.#agent.destroy();
  }
}

// ---------------------------------------------------------------- misc

export function sleep(msDelay: number): Promise<void> {
  return new Promise((done) => setTimeout(done, msDelay));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(os.tmpdir(), `hotswap-bench-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Value of `--name value` in argv. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Writes a benchmark's result as JSON to `--out <file>` if given, else to bench/results/<name>.json. */
export function writeResult(name: string, result: unknown): string {
  const file = resolve(argValue('out') ?? join(RESULTS_DIR, `${name}.json`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
