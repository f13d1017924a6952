/**
 * Start of the 1,000-module app: spawn → `listening on` on stdout.
 *
 *   hotswap cold      `node bin/hotswap.js run src/main.ts`, .hotswap/cache deleted before each run
 *   hotswap warm      the same, with the transform cache of the previous run on disk
 *   hotswap warm, --no-watch   isolates the watcher's initial scan from the runner
 *   node (baseline)   `node src/main.ts` (Node strips the types natively; no hot reload)
 *
 * Each variant runs `--runs` times (default 5), in turns (cold, warm, no-watch, node, cold, …) so
 * that a slow phase of the machine does not land on one variant only. One warm-up run first fills
 * the OS file cache and the transform cache.
 *
 * Usage: node bench/startup.ts [--modules 1000] [--runs 5] [--out file.json]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateApp } from './fixtures/generate-app.ts';
import { HOTSWAP_BIN, argValue, log, machineInfo, ms, removeDir, spawnServer, stopChild, summarize, tempDir, writeResult, type Summary } from './lib/util.ts';

interface Variant {
  name: string;
  args: string[];
  cold: boolean;
}

export interface StartupVariantResult {
  name: string;
  command: string;
  runsMs: number[];
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
  const dir = tempDir(`startup-${modules}`);
  const app = generateApp(dir, modules);
  const cache = join(app.dir, '.hotswap', 'cache');
  const variants: Variant[] = [
    { name: 'hotswap cold', args: [HOTSWAP_BIN, 'run', 'src/main.ts'], cold: true },
    { name: 'hotswap warm', args: [HOTSWAP_BIN, 'run', 'src/main.ts'], cold: false },
    { name: 'hotswap warm --no-watch', args: [HOTSWAP_BIN, 'run', '--no-watch', 'src/main.ts'], cold: false },
    { name: 'node (no hotswap)', args: ['src/main.ts'], cold: false },
  ];
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    // warm-up: OS file cache, and a transform cache for the first warm run
    await startOnce(app.dir, variants[0] as Variant);
    if (!existsSync(cache)) log(`  ! no transform cache at ${cache} after a run: the warm runs are cold too`);
    for (let run = 0; run < runs; run++) {
      for (const variant of variants) {
        if (variant.cold) removeDir(cache);
        const startMs = await startOnce(app.dir, variant);
        times.get(variant.name)?.push(startMs);
      }
    }
  } finally {
    removeDir(dir);
  }
  const results = variants.map((v) => {
    const runsMs = (times.get(v.name) ?? []).map((t) => Math.round(t * 10) / 10);
    return { name: v.name, command: `node ${v.args.map((a) => (a === HOTSWAP_BIN ? 'bin/hotswap.js' : a)).join(' ')}`, runsMs, summary: summarize(runsMs) };
  });
  for (const r of results) log(`  ${r.name.padEnd(24)} median ${ms(r.summary.median)} ms · min ${ms(r.summary.min)} · max ${ms(r.summary.max)} · stdev ${ms(r.summary.stdev)} · runs ${r.runsMs.join(', ')}`);
  return { benchmark: 'startup', machine: machineInfo(), modules, runs, variants: results };
}

async function startOnce(cwd: string, variant: Variant): Promise<number> {
  const started = await spawnServer(process.execPath, variant.args, { cwd, timeoutMs: 120_000 });
  await stopChild(started.child);
  return started.startMs;
}

if (import.meta.main) {
  const modules = Number(argValue('modules') ?? 1000);
  const runs = Number(argValue('runs') ?? 5);
  log(`startup: ${modules} modules, ${runs} runs per variant`);
  const result = await runStartup(modules, runs);
  log(`wrote ${writeResult('startup', result)}`);
}
