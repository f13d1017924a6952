/**
 * Save → new code serving, end to end, through the real CLI.
 *
 * For each app size N (10, 100, 1000 modules): generate the app in a temp dir, spawn
 * `node bin/hotswap.js run --log-format json src/main.ts`, wait for `listening on`, then
 * 50 times: write a new leaf.ts whose function returns a new token and GET /leaf back to
 * back (keep-alive, no sleep) until the body has the token. Latency = just before
 * writeFileSync → first response with the token. hotswap's own `timings` come from its JSON
 * lines on stderr (in-process reload time, without the watcher's latency).
 *
 * At N = 1000 also: 20 edits of shared.ts (imported by every module), 20 atomic saves of
 * leaf.ts (write a temp file, rename over), and 20 save bursts (two saves 0–40 ms apart: the
 * second one must end up serving: no lost save).
 *
 * Then the 1,000-module app again with its modules spread over directories of 50 ('nested'
 * layout: leaf and shared edits), which isolates the cost of one directory of 1,000 files.
 *
 * Usage: node bench/reload-latency.ts [--sizes 10,100,1000] [--edits 50] [--no-nested] [--settle ms] [--src] [--out file.json]
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApp, renderLeaf, renderShared, type GeneratedApp, type Layout } from './fixtures/generate-app.ts';
import type { ChildProcess } from 'node:child_process';
import { hotswapScript, HttpClient, OtherLoadMeter, argValue, spawnServer, waitForQuiet, log, machineInfo, machineInfoSince, ms, removeDir, sleep, stopChild, summarize, tempDir, writeResult, type Summary } from './lib/util.ts';

interface Timings {
  stage: number;
  validate: number;
  commit: number;
  dispose: number;
  total: number;
}

interface ReloadEvent {
  at: number;
  id: number;
  /** Date.now() when the transaction started */
  startedAt: number;
  status: string;
  files: string[];
  timings: Timings | undefined;
  error: unknown;
}

interface EditSample {
  /** ms from just before the write to the first response with the new content; undefined: never served */
  latency: number | undefined;
  polls: number;
  httpErrors: number;
  /** reload events seen for this edit (by status) */
  statuses: string[];
  /** hotswap's timings of the last committed reload of this edit */
  timings: Timings | undefined;
  /** wall-clock ms from the write to the start of the first reload transaction (1 ms resolution) */
  writeToReloadStart: number | undefined;
}

export interface ScenarioResult {
  name: string;
  modules: number;
  edits: number;
  warmup: number;
  latency: Summary;
  /** hotswap's own timings.total (in-process reload), and the median of each phase */
  inProcessTotal: Summary;
  phaseMedians: Omit<Timings, 'total'>;
  /** end-to-end minus in-process: watcher, batcher, HTTP */
  outsideReloadMedian: number;
  /** write → start of the first reload transaction (Date.now() resolution): the watcher's share */
  writeToReloadStartMedian: number;
  lost: number;
  reloadsPerEdit: Summary;
  statusCounts: Record<string, number>;
  httpErrors: number;
  polls: Summary;
  /** CPU share other processes took during the scenario (Linux): interference */
  otherCpu: number | undefined;
  /** burst scenario only: delays between the two saves */
  burstGapsMs?: number[];
}

export interface SizeResult {
  modules: number;
  layout: Layout;
  startMs: number;
  scenarios: ScenarioResult[];
  /** CPU share other processes kept busy just before (Linux), see waitForQuiet */
  cpuBusyBefore: number | undefined;
  /** hotswap's JSON lines other than reload events, by event/level (e.g. the control server's info line) */
  hotswapLogCounts: Record<string, number>;
  /** hotswap's error/warn lines other than reload events, and non-JSON stderr lines: first 20 */
  otherStderr: string[];
  failedReloads: { id: number; files: string[]; error: unknown }[];
}

export interface ReloadLatencyResult {
  benchmark: 'reload-latency';
  machine: ReturnType<typeof machineInfo>;
  settleMs: string;
  gapMs: number;
  sizes: SizeResult[];
}

const GAP_MS = 100;
const EDIT_TIMEOUT_MS = 5000;
const WARMUP = 3;

class HotswapProcess {
  readonly events: ReloadEvent[] = [];
  readonly otherStderr: string[] = [];
  readonly logCounts: Record<string, number> = {};
  readonly app: GeneratedApp;
  client!: HttpClient;
  startMs = 0;
  #child: ChildProcess | undefined;

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  constructor(app: GeneratedApp) {
    this.app = app;
  }

  async start(): Promise<void> {
    const extra = argValue('settle') === undefined ? [] : ['--settle', argValue('settle') as string];
    const started = await spawnServer(process.execPath, [hotswapScript(), 'run', '--log-format', 'json', ...extra, 'src/main.ts'], {
      cwd: this.app.dir,
      timeoutMs: 120_000,
      onStderrLine: (line, at) => this.#onStderr(line, at),
    });
    this.#child = started.child;
    this.startMs = started.startMs;
    this.client = new HttpClient(started.port);
  }

  #onStderr(line: string, at: number): void {
    let data: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
    } catch {
      data = undefined;
    }
    if (data?.['source'] === 'hotswap' && data['event'] === 'reload') {
      this.events.push({
        at,
        id: Number(data['id']),
        startedAt: Number(data['startedAt']),
        status: String(data['status']),
        files: Array.isArray(data['files']) ? (data['files'] as string[]) : [],
        timings: data['timings'] as Timings | undefined,
        error: data['error'],
      });
      return;
    }
    if (data?.['source'] === 'hotswap') {
      const key = `${String(data['level'] ?? '?')}:${String(data['event'] ?? data['message'] ?? '?').slice(0, 40)}`;
      this.logCounts[key] = (this.logCounts[key] ?? 0) + 1;
      if (data['level'] === 'info') return;
    }
    if (line.trim() !== '' && this.otherStderr.length < 20) this.otherStderr.push(line);
  }

  async stop(): Promise<void> {
    this.client?.close();
    if (this.#child) await stopChild(this.#child);
  }
}

interface EditPlan {
  name: string;
  route: string;
  edits: number;
  warmup: number;
  /** writes the edit's content; returns the token the route must show and the time the measured write began */
  write(token: string, index: number): Promise<number> | number;
  burstGapsMs?: number[];
}

async function runScenario(proc: HotswapProcess, plan: EditPlan): Promise<ScenarioResult> {
  const samples: EditSample[] = [];
  let meter: OtherLoadMeter | undefined;
  for (let k = 0; k < plan.warmup + plan.edits; k++) {
    if (k === plan.warmup) meter = new OtherLoadMeter([process.pid, proc.pid]);
    const token = `${plan.name}-${k}-${process.hrtime.bigint().toString(36)}`;
    const firstEvent = proc.events.length;
    const t0 = await plan.write(token, k);
    const wallT0 = performance.timeOrigin + t0;
    const seen = await proc.client.pollUntil(plan.route, token, EDIT_TIMEOUT_MS);
    await sleep(GAP_MS);
    const events = proc.events.slice(firstEvent);
    const committed = events.filter((e) => e.status === 'committed' && e.timings);
    const sample: EditSample = {
      latency: seen ? seen.at - t0 : undefined,
      polls: seen?.polls ?? 0,
      httpErrors: seen?.errors ?? 0,
      statuses: events.map((e) => e.status),
      timings: committed.at(-1)?.timings,
      writeToReloadStart: events[0] ? events[0].startedAt - wallT0 : undefined,
    };
    if (!seen) log(`  ! ${plan.name} edit ${k}: new content not served after ${EDIT_TIMEOUT_MS} ms (events: ${sample.statuses.join(', ') || 'none'})`);
    if (k >= plan.warmup) samples.push(sample);
  }
  const otherCpu = meter?.stop();
  const latencies = samples.flatMap((s) => (s.latency === undefined ? [] : [s.latency]));
  const timings = samples.flatMap((s) => (s.timings ? [s.timings] : []));
  const latency = summarize(latencies);
  const inProcessTotal = summarize(timings.map((t) => t.total));
  const statusCounts: Record<string, number> = {};
  for (const s of samples) for (const status of s.statuses) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
  const result: ScenarioResult = {
    name: plan.name,
    modules: proc.app.modules,
    edits: plan.edits,
    warmup: plan.warmup,
    latency,
    inProcessTotal,
    phaseMedians: {
      stage: summarize(timings.map((t) => t.stage)).median,
      validate: summarize(timings.map((t) => t.validate)).median,
      commit: summarize(timings.map((t) => t.commit)).median,
      dispose: summarize(timings.map((t) => t.dispose)).median,
    },
    outsideReloadMedian: summarize(samples.flatMap((s) => (s.latency !== undefined && s.timings ? [s.latency - s.timings.total] : []))).median,
    writeToReloadStartMedian: summarize(samples.flatMap((s) => (s.writeToReloadStart === undefined ? [] : [s.writeToReloadStart]))).median,
    lost: samples.filter((s) => s.latency === undefined).length,
    reloadsPerEdit: summarize(samples.map((s) => s.statuses.length)),
    statusCounts,
    httpErrors: samples.reduce((a, s) => a + s.httpErrors, 0),
    polls: summarize(samples.map((s) => s.polls)),
    otherCpu,
  };
  if (plan.burstGapsMs) result.burstGapsMs = plan.burstGapsMs;
  log(
    `  ${plan.name.padEnd(14)} N=${String(proc.app.modules).padEnd(5)} median ${ms(latency.median)} ms · p95 ${ms(latency.p95)} · min ${ms(latency.min)} · max ${ms(latency.max)}` +
      ` · in-process ${ms(inProcessTotal.median)} ms (stage ${ms(result.phaseMedians.stage)}, validate ${ms(result.phaseMedians.validate)}, commit ${ms(result.phaseMedians.commit)}, dispose ${ms(result.phaseMedians.dispose)})` +
      ` · write→reload start ${ms(result.writeToReloadStartMedian)} ms · lost ${result.lost} · other processes ${otherCpu === undefined ? 'n/a' : `${Math.round(otherCpu * 100)}%`} · reloads ${JSON.stringify(statusCounts)}`,
  );
  return result;
}

interface SizePlan {
  modules: number;
  layout: Layout;
  /** shared.ts edits (0: none) */
  sharedEdits: number;
  /** atomic saves and save bursts too */
  extras: boolean;
}

async function benchSize(plan: SizePlan, edits: number): Promise<SizeResult> {
  const { modules, layout } = plan;
  const dir = tempDir(`latency-${modules}-${layout}`);
  const app = generateApp(dir, modules, { layout });
  const proc = new HotswapProcess(app);
  try {
    const cpuBusyBefore = await waitForQuiet();
    await proc.start();
    log(`N=${modules} (${layout}): started in ${ms(proc.startMs)} ms (cold cache)`);
    const scenarios: ScenarioResult[] = [];
    scenarios.push(
      await runScenario(proc, {
        name: 'leaf',
        route: '/leaf',
        edits,
        warmup: WARMUP,
        write: (token) => {
          const content = renderLeaf(token);
          const t0 = performance.now();
          writeFileSync(app.leafFile, content);
          return t0;
        },
      }),
    );
    if (plan.sharedEdits > 0) {
      scenarios.push(
        await runScenario(proc, {
          name: 'shared',
          route: '/shared',
          edits: plan.sharedEdits,
          warmup: WARMUP,
          write: (token) => {
            const content = renderShared(token);
            const t0 = performance.now();
            writeFileSync(app.sharedFile, content);
            return t0;
          },
        }),
      );
    }
    if (plan.extras) {
      const temp = join(app.dir, '..', `${app.modules}-leaf.ts.tmp`);
      scenarios.push(
        await runScenario(proc, {
          name: 'leaf-atomic',
          route: '/leaf',
          edits: 20,
          warmup: WARMUP,
          write: (token) => {
            writeFileSync(temp, renderLeaf(token));
            const t0 = performance.now();
            renameSync(temp, app.leafFile);
            return t0;
          },
        }),
      );
      const gaps = [0, 2, 5, 10, 20, 40];
      const burstGapsMs: number[] = [];
      scenarios.push(
        await runScenario(proc, {
          name: 'leaf-burst',
          route: '/leaf',
          edits: 24,
          warmup: 0,
          burstGapsMs,
          write: async (token, k) => {
            const gap = gaps[k % gaps.length] as number;
            burstGapsMs.push(gap);
            writeFileSync(app.leafFile, renderLeaf(`${token}-first`));
            if (gap > 0) await sleep(gap);
            // measured: the second save, whose content must be the one that ends up serving
            const t0 = performance.now();
            writeFileSync(app.leafFile, renderLeaf(`${token}-second`));
            return t0;
          },
        }),
      );
    }
    const failedReloads = proc.events.filter((e) => e.status === 'failed').slice(0, 10).map((e) => ({ id: e.id, files: e.files, error: e.error }));
    return { modules, layout, startMs: proc.startMs, scenarios, cpuBusyBefore, hotswapLogCounts: proc.logCounts, otherStderr: proc.otherStderr, failedReloads };
  } finally {
    await proc.stop();
    removeDir(dir);
  }
}

/**
 * `nested`: also the 1,000-module app with its mods spread over directories of 50 files (the flat
 * app has 1,000 files in one directory, which makes the watcher rescan it on every event).
 */
export async function runReloadLatency(sizes = [10, 100, 1000], edits = 50, nested = true): Promise<ReloadLatencyResult> {
  const atStart = machineInfo();
  const results: SizeResult[] = [];
  for (const modules of sizes) results.push(await benchSize({ modules, layout: 'flat', sharedEdits: modules >= 1000 ? 20 : 0, extras: modules >= 1000 }, edits));
  if (nested) results.push(await benchSize({ modules: 1000, layout: 'nested', sharedEdits: 20, extras: false }, edits));
  return { benchmark: 'reload-latency', machine: machineInfoSince(atStart), settleMs: argValue('settle') ?? 'default', gapMs: GAP_MS, sizes: results };
}

if (import.meta.main) {
  const sizes = (argValue('sizes') ?? '10,100,1000').split(',').map(Number);
  const edits = Number(argValue('edits') ?? 50);
  const result = await runReloadLatency(sizes, edits, !process.argv.includes('--no-nested'));
  for (const size of result.sizes) {
    if (size.otherStderr.length > 0) log(`N=${size.modules} other stderr:\n  ${size.otherStderr.join('\n  ')}`);
    if (size.failedReloads.length > 0) log(`N=${size.modules} failed reloads: ${JSON.stringify(size.failedReloads).slice(0, 2000)}`);
  }
  log(`wrote ${writeResult('reload-latency', result)}`);
}
