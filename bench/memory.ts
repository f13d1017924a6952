/**
 * Memory across reloads, in process (createRuntime, watch: false), with a forced GC before each
 * measurement (`--expose-gc`; the script re-runs itself with the flag if it is missing).
 *
 *   big     a module that allocates ~5 MB at top level (a JS double array, on the V8 heap),
 *           reloaded 1,000 times: heap after GC at the start, every 100 reloads, at the end
 *   small   a module that allocates ~100 KB of objects at top level, reloaded 10,000 times:
 *           heap after GC every 1,000 reloads (DESIGN target: flat)
 *
 * Each reload writes new content (so the transform cache misses, like a real edit) and calls
 * `runtime.reload([file])`; after it the entry's stable function must return the new value.
 * At the end: `runtime.retainedVersions()` after a final GC (replaced versions still reachable).
 *
 * Two heap figures per point: after `gc()` (full GCs), and after V8's last-resort GC
 * (`gc({ flavor: 'last-resort' })`, what V8 does under memory pressure), which also drops its
 * compilation cache and old scripts' bytecode. Reloads compile outside that cache
 * (src/runner/script-cache.ts), so the two differ by what the start-up compiled and V8's own
 * one-time code; the second is what hotswap itself retains. The disk cache is on (as under
 * `hotswap run`): the 'small' row grew ~2 KB per reload while its write queue held every
 * transform of a reload loop that never yields to the event loop (fixed; test/reload/cache-writes.test.ts).
 *
 * Usage: node --expose-gc bench/memory.ts [--big 1000] [--small 10000] [--out file.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '../src/index.ts';
import { argValue, waitForQuiet, log, machineInfo, mb, ms, removeDir, spawnTracked, summarize, tempDir, writeResult, type Summary } from './lib/util.ts';

export interface MemoryPoint {
  reloads: number;
  /** heapUsed after full GCs (`gc()`) */
  heapUsedMB: number;
  /** heapUsed after V8's last-resort GC (also drops its compilation cache): what is retained */
  heapRetainedMB: number;
  rssMB: number;
  externalMB: number;
  versionsAlive: number;
}

export interface MemoryScenarioResult {
  name: string;
  description: string;
  reloads: number;
  failedReloads: number;
  wrongValue: number;
  points: MemoryPoint[];
  heapStartMB: number;
  heapEndMB: number;
  heapGrowthMB: number;
  /** growth over the second half of the run: ~0 when memory is flat */
  heapGrowthSecondHalfMB: number;
  maxHeapMB: number;
  /** the same after last-resort GCs */
  retainedStartMB: number;
  retainedEndMB: number;
  retainedGrowthMB: number;
  retainedGrowthSecondHalfMB: number;
  retainedVersions: number;
  retainedSample: { module: string; version: number }[];
  reloadMs: Summary;
  seconds: number;
  transformCache: { memoryHits: number; diskHits: number; misses: number };
}

export interface MemoryResult {
  benchmark: 'memory';
  machine: ReturnType<typeof machineInfo>;
  scenarios: MemoryScenarioResult[];
}

/**
 * Full GCs until FinalizationRegistry callbacks have run (they are tasks after a GC).
 * `lastResort`: V8's memory-reducing GC (what it does under memory pressure or before a heap
 * snapshot), which also drops its compilation cache and old bytecode: what is really retained.
 */
async function settle(lastResort = false): Promise<void> {
  for (let i = 0; i < 4; i++) {
    if (lastResort) gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    else gc?.();
    await new Promise((done) => setImmediate(done));
  }
}

interface ScenarioPlan {
  name: string;
  description: string;
  reloads: number;
  every: number;
  render(k: number): string;
}

const BIG_ELEMENTS = (5 * 1024 * 1024) / 8;

function renderBig(k: number): string {
  return `// version ${k}: ~5 MB of doubles on the V8 heap, allocated at top level
export const big: number[] = new Array(${BIG_ELEMENTS}).fill(${k} + Math.random() / 10);

export function value(): number {
  return Math.floor(big[0] ?? -1);
}
`;
}

function renderSmall(k: number): string {
  return `// version ${k}: ~100 KB of small objects allocated at top level
interface Row {
  id: number;
  label: string;
}

export const rows: Row[] = Array.from({ length: 1000 }, (_, i) => ({ id: i + ${k}, label: 'row-' + i }));

export function value(): number {
  return (rows[0]?.id ?? -1);
}
`;
}

async function runScenario(plan: ScenarioPlan): Promise<MemoryScenarioResult> {
  await waitForQuiet();
  const dir = tempDir(`memory-${plan.name}`);
  const started = performance.now();
  try {
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const file = join(dir, 'src', 'mod.ts');
    writeFileSync(file, plan.render(0));
    writeFileSync(join(dir, 'src', 'entry.ts'), `import { value } from './mod.ts';\n\nexport function current(): number {\n  return value();\n}\n`);
    const runtime = createRuntime({ root: dir, watch: false, cacheDir: join(dir, '.hotswap', 'cache') });
    const entry = await runtime.import<{ current(): number }>('src/entry.ts');
    const points: MemoryPoint[] = [];
    const measure = async (reloads: number): Promise<void> => {
      await settle();
      const usage = process.memoryUsage();
      await settle(true);
      const retained = process.memoryUsage();
      points.push({ reloads, heapUsedMB: mb(usage.heapUsed), heapRetainedMB: mb(retained.heapUsed), rssMB: mb(retained.rss), externalMB: mb(retained.external), versionsAlive: runtime.stats().versionsAlive });
    };
    await measure(0);
    let failedReloads = 0;
    let wrongValue = 0;
    let firstFailure: unknown;
    const reloadTimes: number[] = [];
    for (let k = 1; k <= plan.reloads; k++) {
      writeFileSync(file, plan.render(k));
      const t0 = performance.now();
      const result = await runtime.reload([file]);
      reloadTimes.push(performance.now() - t0);
      if (result.status !== 'committed') {
        failedReloads++;
        firstFailure ??= result.status === 'failed' ? result.error.message : result.status;
      } else if (entry.current() !== k) wrongValue++;
      if (k % plan.every === 0 || k === plan.reloads) {
        await measure(k);
        const p = points.at(-1) as MemoryPoint;
        log(`  ${plan.name}: ${String(k).padStart(6)} reloads · heap ${p.heapUsedMB} MB · retained ${p.heapRetainedMB} MB · rss ${p.rssMB} MB · versions alive ${p.versionsAlive}`);
      }
    }
    if (firstFailure !== undefined) log(`  ! ${plan.name}: ${failedReloads} reloads not committed, first: ${String(firstFailure)}`);
    await settle();
    const retained = runtime.retainedVersions();
    const stats = runtime.stats();
    await runtime.close();
    const start = points[0] as MemoryPoint;
    const end = points.at(-1) as MemoryPoint;
    const half = points[Math.floor((points.length - 1) / 2)] as MemoryPoint;
    return {
      name: plan.name,
      description: plan.description,
      reloads: plan.reloads,
      failedReloads,
      wrongValue,
      points,
      heapStartMB: start.heapUsedMB,
      heapEndMB: end.heapUsedMB,
      heapGrowthMB: Math.round((end.heapUsedMB - start.heapUsedMB) * 10) / 10,
      heapGrowthSecondHalfMB: Math.round((end.heapUsedMB - half.heapUsedMB) * 10) / 10,
      maxHeapMB: Math.max(...points.map((p) => p.heapUsedMB)),
      retainedStartMB: start.heapRetainedMB,
      retainedEndMB: end.heapRetainedMB,
      retainedGrowthMB: Math.round((end.heapRetainedMB - start.heapRetainedMB) * 10) / 10,
      retainedGrowthSecondHalfMB: Math.round((end.heapRetainedMB - half.heapRetainedMB) * 10) / 10,
      retainedVersions: retained.length,
      retainedSample: retained.slice(0, 5).map((r) => ({ module: r.module, version: r.version })),
      reloadMs: summarize(reloadTimes),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      transformCache: stats.cache,
    };
  } finally {
    removeDir(dir);
  }
}

export async function runMemory(bigReloads = 1000, smallReloads = 10_000): Promise<MemoryResult> {
  const scenarios: MemoryScenarioResult[] = [];
  if (bigReloads > 0) {
    scenarios.push(await runScenario({ name: 'big', description: `module allocating ~5 MB at top level, reloaded ${bigReloads} times`, reloads: bigReloads, every: 100, render: renderBig }));
  }
  if (smallReloads > 0) {
    scenarios.push(await runScenario({ name: 'small', description: `module allocating ~100 KB at top level, reloaded ${smallReloads} times`, reloads: smallReloads, every: 1000, render: renderSmall }));
  }
  for (const s of scenarios) {
    log(
      `  ${s.name.padEnd(6)} heap ${s.heapStartMB} → ${s.heapEndMB} MB (growth ${s.heapGrowthMB} MB, second half ${s.heapGrowthSecondHalfMB} MB, max ${s.maxHeapMB} MB)` +
        ` · retained ${s.retainedStartMB} → ${s.retainedEndMB} MB (growth ${s.retainedGrowthMB} MB, second half ${s.retainedGrowthSecondHalfMB} MB)` +
        ` · retained versions ${s.retainedVersions} · reload median ${ms(s.reloadMs.median)} ms · failed ${s.failedReloads} · wrong value ${s.wrongValue} · ${s.seconds} s`,
    );
  }
  return { benchmark: 'memory', machine: machineInfo(), scenarios };
}

if (import.meta.main) {
  if (typeof gc !== 'function') {
    // re-run with --expose-gc (the measurements need a forced GC)
    const child = spawnTracked(process.execPath, ['--expose-gc', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    const code = await new Promise<number>((done) => child.once('exit', (c) => done(c ?? 1)));
    process.exit(code);
  }
  const result = await runMemory(Number(argValue('big') ?? 1000), Number(argValue('small') ?? 10_000));
  log(`wrote ${writeResult('memory', result)}`);
}
