/**
 * Shared helpers of the benchmarks: statistics, machine info, child processes that are always
 * killed (also when a benchmark throws or is interrupted), HTTP polling, result files.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(BENCH_DIR);
export const HOTSWAP_BIN = join(REPO_ROOT, 'bin', 'hotswap.js');
const SRC_BIN = join(REPO_ROOT, 'src', 'cli', 'bin.ts');
const DIST_BIN = join(REPO_ROOT, 'dist', 'cli', 'bin.js');

/**
 * bin/hotswap.js runs src/ in a source checkout (Node strips the types), dist/ in an installed
 * package. `--src` (HOTSWAP_BENCH_SRC=1) runs src/cli/bin.ts, `--dist` (HOTSWAP_BENCH_DIST=1)
 * runs dist/cli/bin.js directly; run-all passes them on through the environment.
 */
export function useSrc(): boolean {
  return process.argv.includes('--src') || process.env['HOTSWAP_BENCH_SRC'] === '1';
}

/** `--dist` (or HOTSWAP_BENCH_DIST=1): run the compiled dist/cli/bin.js, what an installed package runs. */
export function useDist(): boolean {
  return process.argv.includes('--dist') || process.env['HOTSWAP_BENCH_DIST'] === '1';
}

export function distBin(): string | undefined {
  return existsSync(DIST_BIN) ? DIST_BIN : undefined;
}

/** The script to run `hotswap` with (after `node`). */
export function hotswapScript(): string {
  if (useDist()) {
    if (!existsSync(DIST_BIN)) throw new Error('--dist: dist/cli/bin.js does not exist (npm run build)');
    return DIST_BIN;
  }
  return useSrc() ? SRC_BIN : HOTSWAP_BIN;
}

/** What bin/hotswap.js runs, by its own rule: src/ when Node strips types and src/ exists, else dist/. */
function binRuns(): 'dist' | 'src' {
  const canRunSource = Boolean((process.features as { typescript?: unknown }).typescript) && existsSync(SRC_BIN);
  return canRunSource || !existsSync(DIST_BIN) ? 'src' : 'dist';
}

/** A command line for reports, relative to the repository. */
export function displayCommand(args: readonly string[]): string {
  return `node ${args.map((a) => (a.startsWith(REPO_ROOT) ? a.slice(REPO_ROOT.length + 1) : a)).join(' ')}`;
}
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
  /** 1-minute load average when the result was written: other work on the machine skews the numbers */
  loadAverage1m: number;
  hotswap: {
    bin: string;
    runs: 'dist' | 'src';
    distStale: boolean;
    /** mtime of dist/cli/bin.js: a rebuild during a run changes it */
    distBuiltAt: string | undefined;
    commit: string | undefined;
    srcModifiedSinceCommit: boolean | undefined;
    /** set by a benchmark when dist/ appeared, vanished or was rebuilt while it ran */
    buildChangedDuringRun?: boolean;
  };
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const runs = useDist() ? 'dist' : useSrc() ? 'src' : binRuns();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGB: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    loadAverage1m: round(os.loadavg()[0] ?? 0),
    hotswap: {
      bin: hotswapScript(),
      runs,
      distStale: existsSync(DIST_BIN) && newestMtime(join(REPO_ROOT, 'src')) > statSync(DIST_BIN).mtimeMs,
      distBuiltAt: existsSync(DIST_BIN) ? statSync(DIST_BIN).mtime.toISOString() : undefined,
      commit: gitHead(),
      srcModifiedSinceCommit: srcModifiedSinceCommit(),
    },
    date: new Date().toISOString(),
  };
}

/** machineInfo() at the start of a benchmark, with `buildChangedDuringRun` filled in at the end. */
export function machineInfoSince(atStart: MachineInfo): MachineInfo {
  const now = machineInfo();
  const changed = now.hotswap.runs !== atStart.hotswap.runs || now.hotswap.distBuiltAt !== atStart.hotswap.distBuiltAt;
  if (changed) log(`! the hotswap build changed during the run (${atStart.hotswap.runs} ${atStart.hotswap.distBuiltAt ?? ''} → ${now.hotswap.runs} ${now.hotswap.distBuiltAt ?? ''}): use --src, or rerun`);
  return { ...atStart, loadAverage1m: now.loadAverage1m, hotswap: { ...atStart.hotswap, buildChangedDuringRun: changed } };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** src/ has files newer than the last write of .git/index (an approximation of "uncommitted edits", without running git). */
function srcModifiedSinceCommit(): boolean | undefined {
  try {
    return newestMtime(join(REPO_ROOT, 'src')) > statSync(join(REPO_ROOT, '.git', 'index')).mtimeMs;
  } catch {
    return undefined;
  }
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
/** temp dirs not removed yet: removed on exit, however the process exits (except SIGKILL) */
const tempDirs = new Set<string>();
let cleanupInstalled = false;
let shuttingDown = false;

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Synchronous last resort (process 'exit'): SIGKILL what is left, remove temp dirs. */
function killAllChildren(): void {
  for (const child of children) {
    if (!isRunning(child)) continue;
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * On a signal: SIGTERM to the children first, so that a child that is itself a benchmark
 * (run-all → reload-latency → hotswap) can stop its own children and remove its temp dirs;
 * SIGKILL whatever still runs after 3 s.
 */
async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const running = [...children].filter(isRunning);
  for (const child of running) child.kill('SIGTERM');
  await Promise.race([
    Promise.all(running.map((child) => (isRunning(child) ? new Promise((done) => child.once('exit', done)) : undefined))),
    new Promise((done) => setTimeout(done, 3000)),
  ]);
  killAllChildren();
  process.exit(130);
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
}

/** spawn() whose child is stopped when this process exits or gets a signal (see shutdown). */
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
export function spawnServer(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void; onStderrLine?: (line: string, at: number) => void; onStdoutLine?: (line: string, at: number) => void }): Promise<ListeningApp> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const t0 = performance.now();
  const child = spawnTracked(command, args, { cwd: options.cwd, env: { ...process.env, PORT: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  options.onSpawn?.(child);
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

// ---------------------------------------------------------------- other load on the machine

function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in clock ticks (Linux), 0 if unknown (e.g. it exited). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11, 12 here
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) a live process used so far, ms (Linux, USER_HZ = 100); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const ticks = processTicks(pid);
  return ticks === 0 ? undefined : ticks * 10;
}

/**
 * Measures the CPU share that processes other than `pids` (this one and its children) took
 * between start and stop: the interference a measurement suffered (Linux; undefined elsewhere).
 */
export class OtherLoadMeter {
  readonly #pids: number[];
  readonly #start: { busy: number; total: number } | undefined;
  readonly #own: number;

  constructor(pids: readonly (number | undefined)[]) {
    this.#pids = pids.filter((p): p is number => p !== undefined);
    this.#start = cpuTimes();
    this.#own = this.#ownTicks();
  }

  #ownTicks(): number {
    return this.#pids.reduce((sum, pid) => sum + processTicks(pid), 0);
  }

  /** Share (0..1) of all CPUs used by other processes since construction. */
  stop(): number | undefined {
    const end = cpuTimes();
    if (!this.#start || !end || end.total === this.#start.total) return undefined;
    const others = end.busy - this.#start.busy - (this.#ownTicks() - this.#own);
    return round(Math.max(0, others) / (end.total - this.#start.total), 2);
  }
}

/** Share of all CPUs busy over `sampleMs` (Linux /proc/stat; undefined elsewhere). Call it while this process idles. */
export async function cpuBusy(sampleMs = 500): Promise<number | undefined> {
  const a = cpuTimes();
  await sleep(sampleMs);
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return undefined;
  return round((b.busy - a.busy) / (b.total - a.total), 2);
}

/**
 * Waits (up to `maxWaitMs`) until other processes leave the CPUs mostly idle, so that a
 * measurement does not share 2 cores with a test suite. Returns the last busy share seen.
 */
export async function waitForQuiet(maxWaitMs = 30_000, threshold = 0.15): Promise<number | undefined> {
  const deadline = performance.now() + maxWaitMs;
  let busy = await cpuBusy();
  let warned = false;
  while (busy !== undefined && busy > threshold && performance.now() < deadline) {
    if (!warned) log(`  … other processes keep ${Math.round(busy * 100)}% of the CPUs busy: waiting up to ${Math.round(maxWaitMs / 1000)} s for quiet`);
    warned = true;
    busy = await cpuBusy(1000);
  }
  if (busy !== undefined && busy > threshold) log(`  ! still ${Math.round(busy * 100)}% busy: measuring anyway, expect noise`);
  return busy;
}

// ---------------------------------------------------------------- misc

export function sleep(msDelay: number): Promise<void> {
  return new Promise((done) => setTimeout(done, msDelay));
}

/** A new temp dir, removed by removeDir() or, at the latest, when this process exits. */
export function tempDir(prefix: string): string {
  installCleanup();
  const dir = mkdtempSync(join(os.tmpdir(), `hotswap-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
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

/** A TCP port free on 127.0.0.1 right now (for servers that must listen on the same port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Every descendant process of `pid` (Linux /proc; [] elsewhere): a watcher's own child server. */
export function descendants(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(child, ...descendants(child));
  }
  return out;
}

/** stopChild, then SIGKILL whatever the child had started and left behind (a restarting watcher's server). */
export async function stopTree(child: ChildProcess, graceMs = 3000): Promise<void> {
  const below = descendants(child.pid);
  await stopChild(child, graceMs);
  for (const pid of below) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
