/**
 * Start of the 1,000-module app: spawn → `listening on` on stdout.
 *
 *   hotswap cold      `node bin/hotswap.js run src/main.ts`, .hotswap/cache deleted before each run
 *   hotswap warm      the same, with the transform cache of the previous run on disk
 *   hotswap warm, --no-watch   isolates the watcher's initial scan from the runner
 *   hotswap warm, dist/ build   `node dist/cli/bin.js run …`, what an installed package runs (if built)
 *   node (baseline)   `node src/main.ts` (Node strips the types natively; no hot reload)
 *
 * Per run also the CPU time (user + system) the process used until `listening on`, which other
 * load on the machine disturbs much less than the wall time.
 *
 * Each variant runs `--runs` times (default 5), in turns (cold, warm, no-watch, node, cold, …) so
 * that a slow phase of the machine does not land on one variant only. One warm-up run first fills
 * the OS file cache and the transform cache.
 *
 * Usage: node bench/startup.ts [--modules 1000] [--runs 5] [--src|--dist] [--out file.json]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateApp } from './fixtures/generate-app.ts';
import { displayCommand, distBin, hotswapScript, processCpuMs, OtherLoadMeter, waitForQuiet, argValue, log, machineInfo, machineInfoSince, ms, removeDir, spawnServer, stopChild, summarize, tempDir, writeResult, type Summary } from './lib/util.ts';

interface Variant {
  name: string;
  args: string[];
  cold: boolean;
}

export interface StartupVariantResult {
  name: string;
  command: string;
  runsMs: number[];
  /** CPU share other processes kept busy before each run (Linux) */
  cpuBusyBefore: (number | undefined)[];
  /** CPU share other processes took during each run (Linux): interference */
  otherCpu: (number | undefined)[];
  /** CPU time (user + system) the started process used until `listening on` (Linux): robust to other load */
  cpuMs: (number | undefined)[];
  cpuSummary: Summary;
  summary: Summary;
}

export interface StartupResult {
  benchmark: 'startup';
  machine: ReturnType<typeof machineInfo>;
  modules: number;
  runs: number;
  variants: StartupVariantResult[];
}

export async function runStartup(modules = 1000, runs = 5): Promise<StartupResult> {
  const atStart = machineInfo();
  const dir = tempDir(`startup-${modules}`);
  const app = generateApp(dir, modules);
  const cache = join(app.dir, '.hotswap', 'cache');
  const bin = hotswapScript();
  const variants: Variant[] = [
    { name: 'hotswap cold', args: [bin, 'run', 'src/main.ts'], cold: true },
    { name: 'hotswap warm', args: [bin, 'run', 'src/main.ts'], cold: false },
    { name: 'hotswap warm --no-watch', args: [bin, 'run', '--no-watch', 'src/main.ts'], cold: false },
    { name: 'node (no hotswap)', args: ['src/main.ts'], cold: false },
  ];
  // bin/hotswap.js runs src/ in a checkout (Node strips hotswap's own types at every start); an
  // installed package runs the compiled dist/: measure that too when a build exists
  const dist = distBin();
  // (its own cache dir: a build of another version has another transform version, so the two
  // would evict each other's entries and the build would start cold every time)
  const distVariant: Variant | undefined = dist && dist !== bin ? { name: 'hotswap warm, dist/ build', args: [dist, 'run', '--cache-dir', '.hotswap/cache-dist', 'src/main.ts'], cold: false } : undefined;
  if (distVariant) variants.splice(3, 0, distVariant);
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const busy = new Map<string, (number | undefined)[]>(variants.map((v) => [v.name, []]));
  const others = new Map<string, (number | undefined)[]>(variants.map((v) => [v.name, []]));
  const cpu = new Map<string, (number | undefined)[]>(variants.map((v) => [v.name, []]));
  try {
    // warm-up: OS file cache, and a transform cache for the first warm run
    await startOnce(app.dir, variants[0] as Variant);
    if (distVariant) await startOnce(app.dir, distVariant);
    if (!existsSync(cache)) log(`  ! no transform cache at ${cache} after a run: the warm runs are cold too`);
    for (let run = 0; run < runs; run++) {
      for (const variant of variants) {
        if (variant.cold) removeDir(cache);
        busy.get(variant.name)?.push(await waitForQuiet(20_000));
        const { startMs, otherCpu, cpuMs } = await startOnce(app.dir, variant);
        times.get(variant.name)?.push(startMs);
        others.get(variant.name)?.push(otherCpu);
        cpu.get(variant.name)?.push(cpuMs);
      }
    }
  } finally {
    removeDir(dir);
  }
  const results = variants.map((v) => {
    const runsMs = (times.get(v.name) ?? []).map((t) => Math.round(t * 10) / 10);
    return { name: v.name, command: displayCommand(v.args), runsMs, cpuBusyBefore: busy.get(v.name) ?? [], otherCpu: others.get(v.name) ?? [], cpuMs: cpu.get(v.name) ?? [], cpuSummary: summarize((cpu.get(v.name) ?? []).filter((c): c is number => c !== undefined)), summary: summarize(runsMs) };
  });
  for (const r of results) {
    const other = r.otherCpu.map((o) => (o === undefined ? '?' : `${Math.round(o * 100)}%`)).join(', ');
    log(`  ${r.name.padEnd(26)} median ${ms(r.summary.median)} ms · min ${ms(r.summary.min)} · max ${ms(r.summary.max)} · stdev ${ms(r.summary.stdev)} · CPU median ${ms(r.cpuSummary.median)} ms · runs ${r.runsMs.join(', ')} · other processes ${other}`);
  }
  return { benchmark: 'startup', machine: machineInfoSince(atStart), modules, runs, variants: results };
}

async function startOnce(cwd: string, variant: Variant): Promise<{ startMs: number; otherCpu: number | undefined; cpuMs: number | undefined }> {
  let meter: OtherLoadMeter | undefined;
  let otherCpu: number | undefined;
  let cpuMs: number | undefined;
  let pid: number | undefined;
  const started = await spawnServer(process.execPath, variant.args, {
    cwd,
    timeoutMs: 120_000,
    onSpawn: (child) => {
      pid = child.pid;
      meter = new OtherLoadMeter([process.pid, child.pid]);
    },
    onStdoutLine: () => {
      otherCpu ??= meter?.stop();
      cpuMs ??= processCpuMs(pid);
    },
  });
  await stopChild(started.child);
  return { startMs: started.startMs, otherCpu, cpuMs };
}

if (import.meta.main) {
  const modules = Number(argValue('modules') ?? 1000);
  const runs = Number(argValue('runs') ?? 5);
  log(`startup: ${modules} modules, ${runs} runs per variant`);
  const result = await runStartup(modules, runs);
  log(`wrote ${writeResult('startup', result)}`);
}
