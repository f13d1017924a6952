/**
 * The fuzzer: random mutations of the modules of an app running under the
 * real `hotswap run`, under steady HTTP load from this process, with broken
 * modules allowed to coexist. Invariants, checked continuously:
 *  - the process stays alive and no request fails;
 *  - every response names only versions that were valid when written;
 *  - once every module on disk is valid again, what is served is exactly the
 *    last content written, within `settleTimeoutMs`;
 *  - heap after GC and open fds stay bounded;
 *  - a SIGKILL during reloads, then a restart, serves what is on disk;
 *  - hostile control-API requests are refused and never 500.
 * Everything is derived from the seed (timing aside), and reported.
 */
import { rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startCli, type RunningCli } from '../support/cli.ts';
import { runAttacks, type ControlTarget } from './control-attacks.ts';
import { createFuzzApp, type FuzzApp } from './fuzz-app.ts';
import { get, startLoad, type HttpLoad } from './http-load.ts';
import { applyMutation, newModel, pickMutation, restoreValid, type ModuleModel, type MutationContext, type MutationKind } from './mutations.ts';
import { sampleProcess } from './process-probe.ts';
import { createRng, type Rng } from './rng.ts';

/** Open fds a process may gain over its life (sockets of the load, watcher handles). */
const FD_SLACK = 64;
/** Heap after GC a process may gain (a few multi-MB versions, caches of bounded size). */
const HEAP_SLACK_MB = 256;

export interface FuzzOptions {
  seed: number;
  mutations: number;
  /** @default 6 */
  modules?: number;
  /** Parallel request loops. @default 2 */
  concurrency?: number;
  /** Longest wait for the served versions to match the disk after a settle. @default 30000 */
  settleTimeoutMs?: number;
  /** Chance, at each settle, of a SIGKILL during reloads and a restart. @default 0.15 */
  killChance?: number;
  /** Run control-API attacks at settles. @default true */
  attacks?: boolean;
  log?: (line: string) => void;
}

export type ViolationKind = 'process-died' | 'request-failed' | 'invalid-version' | 'lost-save' | 'stuck' | 'restart' | 'attack' | 'resources';

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

export interface FuzzReport {
  seed: number;
  mutations: number;
  byKind: Partial<Record<MutationKind, number>>;
  requests: number;
  failedRequests: number;
  settles: number;
  /** Milliseconds from a settle's last write to matching versions. */
  converge: { p50: number; max: number };
  kills: number;
  attacks: number;
  heapMb: { first: number; max: number; last: number };
  fds: { first: number; max: number; last: number };
  violations: Violation[];
  durationMs: number;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const rng = createRng(options.seed);
  const app = createFuzzApp(options.modules ?? 6);
  try {
    return await new Fuzzer(app, rng, options).run(started);
  } finally {
    rmSync(app.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

class Fuzzer {
  readonly #app: FuzzApp;
  readonly #rng: Rng;
  readonly #options: FuzzOptions;
  readonly #models: Map<string, ModuleModel>;
  readonly #violations: Violation[] = [];
  readonly #byKind: Partial<Record<MutationKind, number>> = {};
  readonly #converge: number[] = [];
  readonly #heap: number[] = [];
  readonly #fds: number[] = [];
  #cli: RunningCli | undefined;
  #port = 0;
  #load: HttpLoad | undefined;
  #requests = 0;
  #failed = 0;
  #kills = 0;
  #attacks = 0;
  #settles = 0;

  constructor(app: FuzzApp, rng: Rng, options: FuzzOptions) {
    this.#app = app;
    this.#rng = rng;
    this.#options = options;
    this.#models = new Map(app.modules.map((m) => [m, newModel(m)]));
  }

  async run(started: number): Promise<FuzzReport> {
    await this.#start();
    const ctx: MutationContext = { dir: this.#app.dir, rng: this.#rng, later: [] };
    let done = 0;
    let nextSettle = this.#rng.int(6, 20);
    let logged = 0;
    try {
      while (done < this.#options.mutations) {
        // a burst: several mutations, several modules, one tick
        const count = this.#rng.bool(0.12) ? Math.min(this.#rng.int(2, 5), this.#options.mutations - done) : 1;
        for (let i = 0; i < count; i++) {
          const kind = pickMutation(this.#rng);
          applyMutation(ctx, this.#model(this.#rng.pick(this.#app.modules)), kind);
          this.#byKind[kind] = (this.#byKind[kind] ?? 0) + 1;
        }
        done += count;
        this.#alive();
        await delay(this.#rng.int(0, 40));
        if (done >= nextSettle || done >= this.#options.mutations) {
          await Promise.all(ctx.later.splice(0));
          await this.#settle();
          nextSettle = done + this.#rng.int(6, 20);
          if (done - logged >= 100 || done >= this.#options.mutations) {
            logged = done;
            this.#options.log?.(`seed ${this.#rng.seed}: ${done}/${this.#options.mutations} mutations, ${this.#loadRequests()} requests, ${this.#violations.length} violations`);
          }
        }
      }
      if (this.#options.attacks ?? true) await this.#attack(false);
    } finally {
      await this.#stop();
    }
    this.#checkResources();
    const sorted = [...this.#converge].sort((a, b) => a - b);
    const span = (xs: number[]): { first: number; max: number; last: number } => ({ first: xs[0] ?? 0, max: Math.max(0, ...xs), last: xs.at(-1) ?? 0 });
    return {
      seed: this.#rng.seed,
      mutations: done,
      byKind: this.#byKind,
      requests: this.#requests,
      failedRequests: this.#failed,
      settles: this.#settles,
      converge: { p50: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: Math.round(sorted.at(-1) ?? 0) },
      kills: this.#kills,
      attacks: this.#attacks,
      heapMb: span(this.#heap),
      fds: span(this.#fds),
      violations: this.#violations,
      durationMs: Math.round(performance.now() - started),
    };
  }

  #model(name: string): ModuleModel {
    return this.#models.get(name) as ModuleModel;
  }

  #violate(kind: ViolationKind, detail: string): void {
    if (this.#violations.filter((v) => v.kind === kind).length < 20) this.#violations.push({ kind, detail });
    this.#options.log?.(`VIOLATION ${kind}: ${detail}`);
  }

  #alive(): void {
    const cli = this.#cli;
    if (cli && (cli.child.exitCode !== null || cli.child.signalCode !== null)) {
      this.#violate('process-died', `exit ${cli.child.exitCode ?? cli.child.signalCode}; last stderr: ${cli.stderr.slice(-5).join(' | ').slice(0, 1000)}`);
      throw new Error(`the app died (seed ${this.#rng.seed})`);
    }
  }

  /** A response names, for every module, a token written as a valid version. */
  #check = (body: string): string | undefined => {
    let served: Record<string, unknown>;
    try {
      served = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return `unparsable body: ${body.slice(0, 200)}`;
    }
    for (const [name, model] of this.#models) {
      const token = served[name];
      if (typeof token !== 'string' || !model.valid.has(token)) {
        this.#violate('invalid-version', `${name} served ${String(token)}, never written as a valid version`);
        return `invalid version ${String(token)}`;
      }
    }
    return undefined;
  };

  async #start(): Promise<void> {
    this.#port = await freePort();
    await this.#launch();
    this.#load = startLoad(this.#port, this.#options.concurrency ?? 2, this.#check);
  }

  async #launch(): Promise<void> {
    const cli = startCli(['run', 'src/main.ts'], { cwd: this.#app.dir, env: { FUZZ_PORT: String(this.#port) } });
    this.#cli = cli;
    await cli.waitForLine('stdout', /^listening \d+/, 60_000);
    await cli.waitForLine('stderr', /control http/, 60_000);
  }

  async #stop(): Promise<void> {
    const load = this.#load;
    if (load) {
      await load.stop();
      this.#requests += load.stats.requests;
      this.#failed += load.stats.failed;
      if (load.stats.failed > 0) this.#violate('request-failed', `${load.stats.failed} failed; first: ${load.stats.firstFailure ?? ''}`);
      this.#load = undefined;
    }
    await this.#cli?.stop();
  }

  #loadRequests(): number {
    return this.#requests + (this.#load?.stats.requests ?? 0);
  }

  /** Every module valid on disk again; then what serves must be exactly the last content written. */
  async #settle(): Promise<void> {
    this.#settles++;
    for (const model of this.#models.values()) if (model.expected === undefined) restoreValid(this.#app.dir, model);
    const t0 = performance.now();
    const stuck = await this.#waitForExpected();
    if (stuck.length > 0) {
      this.#violate('lost-save', `after ${this.#options.settleTimeoutMs ?? 30_000} ms: ${stuck.join('; ')}`);
      // a fresh save of each stuck module must still get through
      for (const line of stuck) restoreValid(this.#app.dir, this.#model(line.split(' ')[0] as string));
      const still = await this.#waitForExpected();
      if (still.length > 0) this.#violate('stuck', `even after fresh saves: ${still.join('; ')}`);
    } else {
      this.#converge.push(performance.now() - t0);
    }
    this.#alive();
    await this.#sample();
    if (this.#rng.bool(this.#options.killChance ?? 0.15)) await this.#killDuringReload();
    else if ((this.#options.attacks ?? true) && this.#rng.bool(0.3)) await this.#attack(true);
  }

  /** Modules whose served token differs from the expected one, after waiting up to the settle timeout. */
  async #waitForExpected(): Promise<string[]> {
    const deadline = performance.now() + (this.#options.settleTimeoutMs ?? 30_000);
    let mismatched: string[] = [];
    for (;;) {
      this.#alive();
      try {
        const { status, body } = await get(this.#port, '/');
        const served = status === 200 ? (JSON.parse(body) as Record<string, string>) : {};
        mismatched = [...this.#models.values()].filter((m) => served[m.name] !== m.expected).map((m) => `${m.name} serves ${served[m.name]}, expected ${m.expected}`);
      } catch (error) {
        mismatched = [`request failed: ${(error as Error).message}`];
      }
      if (mismatched.length === 0 || performance.now() > deadline) return mismatched;
      await delay(20);
    }
  }

  /** Bounded, not flat: multi-MB versions come and go, but nothing may pile up. */
  #checkResources(): void {
    const fds = this.#fds;
    if (fds.length > 1 && Math.max(...fds) > (fds[0] as number) + FD_SLACK) this.#violate('resources', `open fds grew from ${fds[0]} to ${Math.max(...fds)}`);
    const heap = this.#heap;
    if (heap.length > 1 && Math.max(...heap) > (heap[0] as number) + HEAP_SLACK_MB) this.#violate('resources', `heap after GC grew from ${heap[0]} MB to ${Math.max(...heap)} MB`);
  }

  async #sample(): Promise<void> {
    const pid = this.#cli?.child.pid;
    const sample = pid === undefined ? undefined : sampleProcess(pid);
    if (sample) this.#fds.push(sample.fds);
    try {
      const { body } = await get(this.#port, '/heap');
      this.#heap.push(Math.round((JSON.parse(body) as { heapUsed: number }).heapUsed / 1024 / 1024));
    } catch {
      // the next sample will do
    }
  }

  /** Valid saves land, the process is SIGKILLed while they reload, and a restart must serve the disk. */
  async #killDuringReload(): Promise<void> {
    const load = this.#load as HttpLoad;
    await load.pause();
    const cli = this.#cli as RunningCli;
    for (const name of this.#app.modules) if (this.#rng.bool(0.5)) restoreValid(this.#app.dir, this.#model(name));
    await delay(this.#rng.int(0, 30));
    cli.child.kill('SIGKILL');
    await cli.exited;
    this.#kills++;
    try {
      await this.#launch();
    } catch (error) {
      this.#violate('restart', `no restart after SIGKILL: ${(error as Error).message.slice(0, 1000)}`);
      throw error;
    }
    // a fresh process loads the disk: no waiting for reloads
    const { body } = await get(this.#port, '/');
    const served = JSON.parse(body) as Record<string, string>;
    const wrong = [...this.#models.values()].filter((m) => served[m.name] !== m.expected).map((m) => `${m.name} serves ${served[m.name]}, disk has ${m.expected}`);
    if (wrong.length > 0) this.#violate('restart', `after SIGKILL and restart: ${wrong.join('; ')}`);
    this.#requests += load.stats.requests;
    this.#failed += load.stats.failed;
    if (load.stats.failed > 0) this.#violate('request-failed', `${load.stats.failed} failed; first: ${load.stats.firstFailure ?? ''}`);
    this.#load = startLoad(this.#port, this.#options.concurrency ?? 2, this.#check);
    this.#checkResources();
    this.#fds.length = 0; // a new process: its own baseline
    this.#heap.length = 0;
  }

  async #attack(sample: boolean): Promise<void> {
    const target = readTarget(this.#app.dir);
    const results = await runAttacks(target, sample ? (all) => [this.#rng.pick(all), this.#rng.pick(all)] : undefined);
    this.#attacks += results.length;
    for (const r of results) if (r.got !== r.expected) this.#violate('attack', `${r.name}: expected ${r.expected}, got ${r.got} ${r.body}`);
  }
}

export function readTarget(dir: string): ControlTarget {
  const hotswap = join(dir, '.hotswap');
  const info = JSON.parse(readFileSync(join(hotswap, 'control.json'), 'utf8')) as { url: string };
  return { url: info.url, admin: readFileSync(join(hotswap, 'token'), 'utf8').trim(), read: readFileSync(join(hotswap, 'panel-token'), 'utf8').trim() };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
