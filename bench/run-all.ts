/**
 * Runs every benchmark in sequence, each in its own process (so one's heap, JIT and file
 * watchers do not disturb the next), writes bench/results/latest.json and prints a Markdown
 * summary (the README's numbers).
 *
 * Usage: node bench/run-all.ts [--quick] [--out bench/results/latest.json]
 *   --quick   a smoke run (fewer edits, runs and reloads): checks the scripts, not the numbers
 *   --src     run the CLI from src/cli/bin.ts (what bin/hotswap.js does in a source checkout)
 *   --dist    run the CLI from dist/cli/bin.js (what an installed package runs; npm run build first)
 *   --reuse   run nothing: build latest.json and the table from bench/results/{reload-latency,
 *             startup,memory}.json, written by the scripts run alone (e.g. each in a quiet moment
 *             of a shared machine)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { MemoryResult } from './memory.ts';
import type { ReloadLatencyResult, ScenarioResult, SizeResult } from './reload-latency.ts';
import type { StartupResult } from './startup.ts';
import { BENCH_DIR, RESULTS_DIR, argValue, log, machineInfo, ms, spawnTracked, tempDir, removeDir, type MachineInfo } from './lib/util.ts';

const quick = process.argv.includes('--quick');
const reuse = process.argv.includes('--reuse');
if (process.argv.includes('--src')) process.env['HOTSWAP_BENCH_SRC'] = '1';
if (process.argv.includes('--dist')) process.env['HOTSWAP_BENCH_DIST'] = '1';

async function runScript(script: string, args: string[], nodeFlags: string[] = []): Promise<unknown> {
  if (reuse) {
    const file = join(RESULTS_DIR, script.replace(/\.ts$/, '.json'));
    log(`reusing ${file}`);
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  }
  const outDir = tempDir('results');
  const out = join(outDir, 'result.json');
  const started = performance.now();
  log(`\n▶ ${script} ${args.join(' ')}`);
  try {
    const child = spawnTracked(process.execPath, [...nodeFlags, join(BENCH_DIR, script), ...args, '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number>((done) => child.once('exit', (c, signal) => done(c ?? (signal ? 1 : 0))));
    if (code !== 0) throw new Error(`${script} exited with code ${code}`);
    log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return JSON.parse(readFileSync(out, 'utf8')) as unknown;
  } finally {
    removeDir(outDir);
  }
}

function find(latency: ReloadLatencyResult, modules: number, layout: 'flat' | 'nested', name: string): { size: SizeResult; scenario: ScenarioResult } | undefined {
  const size = latency.sizes.find((s) => s.modules === modules && s.layout === layout);
  const scenario = size?.scenarios.find((s) => s.name === name);
  return size && scenario ? { size, scenario } : undefined;
}

function verdict(value: number, target: number): string {
  if (Number.isNaN(value)) return '–';
  return value <= target ? '✅' : '❌';
}

export function markdown(m: MachineInfo, latency: ReloadLatencyResult, startup: StartupResult, memory: MemoryResult): string {
  const lines: string[] = [];
  const code = `${m.hotswap.runs === 'dist' ? 'dist/ build' : 'src/'}${m.hotswap.commit ? ` at ${m.hotswap.commit.slice(0, 7)}` : ''}`;
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.platform} (kernel ${m.kernel}), Node ${m.node}; CLI runs ${code}${m.hotswap.runs === 'dist' && m.hotswap.distStale ? ' (**dist/ older than src/**)' : ''}${latency.machine.hotswap.buildChangedDuringRun || startup.machine.hotswap.buildChangedDuringRun ? ' (**the build changed during the run**)' : ''}; ${m.date.slice(0, 10)}.`);
  const busy = (values: (number | undefined)[]): string => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? 'n/a' : `${Math.round(Math.max(...known) * 100)}%`;
  };
  lines.push('');
  lines.push(
    `Other processes' share of the CPUs during the measurements (max; a shared machine skews the numbers): latency ${busy(latency.sizes.flatMap((s) => s.scenarios.map((c) => c.otherCpu)))}, startup ${busy(startup.variants.flatMap((v) => v.otherCpu ?? []))}.`,
  );
  lines.push('');
  lines.push('**Save → new response** (`hotswap run`, file written, `/leaf` or `/shared` polled back to back until it serves the new content; ms)');
  lines.push('');
  lines.push('| App | Edit | Edits | Median | p95 | Min | Max | hotswap reload (median) | write → reload start | Lost saves | Other CPU | Target |');
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  const rows: [number, 'flat' | 'nested', string, string, number | undefined][] = [
    [10, 'flat', 'leaf', 'leaf', undefined],
    [100, 'flat', 'leaf', 'leaf', undefined],
    [1000, 'flat', 'leaf', 'leaf', 5],
    [1000, 'flat', 'shared', 'shared.ts (imported by all)', 50],
    [1000, 'flat', 'leaf-atomic', 'leaf, atomic save (rename)', undefined],
    [1000, 'flat', 'leaf-burst', 'leaf, 2nd of 2 saves 0–40 ms apart', undefined],
    [1000, 'nested', 'leaf', 'leaf', 5],
    [1000, 'nested', 'shared', 'shared.ts (imported by all)', 50],
  ];
  for (const [modules, layout, name, label, target] of rows) {
    const found = find(latency, modules, layout, name);
    if (!found) continue;
    const s = found.scenario;
    const app = `${modules.toLocaleString('en')} modules${layout === 'nested' ? ', 50 per dir' : modules >= 1000 ? ', one dir' : ''}`;
    const goal = target === undefined ? (name === 'leaf-burst' ? `0 lost ${s.lost === 0 ? '✅' : '❌'}` : '') : `≤ ${target} ${verdict(s.latency.median, target)}`;
    lines.push(
      `| ${app} | ${label} | ${s.edits} | **${ms(s.latency.median)}** | ${ms(s.latency.p95)} | ${ms(s.latency.min)} | ${ms(s.latency.max)} | ${ms(s.inProcessTotal.median)} | ${name === 'leaf-burst' ? '–' : ms(s.writeToReloadStartMedian)} | ${s.lost} | ${s.otherCpu === undefined ? '–' : `${Math.round(s.otherCpu * 100)}%`} | ${goal} |`,
    );
  }
  lines.push('');
  lines.push('hotswap reload phases (median ms, from its `--log-format json` timings):');
  lines.push('');
  lines.push('| App | Edit | stage | validate | commit | dispose | total | reloads (status counts) |');
  lines.push('|---|---|--:|--:|--:|--:|--:|---|');
  for (const [modules, layout, name, label] of rows) {
    const found = find(latency, modules, layout, name);
    if (!found) continue;
    const s = found.scenario;
    const counts = Object.entries(s.statusCounts).map(([k, v]) => `${v} ${k}`).join(', ');
    lines.push(`| ${modules.toLocaleString('en')}${layout === 'nested' ? ' nested' : ''} | ${label} | ${ms(s.phaseMedians.stage)} | ${ms(s.phaseMedians.validate)} | ${ms(s.phaseMedians.commit)} | ${ms(s.phaseMedians.dispose)} | ${ms(s.inProcessTotal.median)} | ${counts} |`);
  }
  lines.push('');
  lines.push(`**Start of the ${startup.modules.toLocaleString('en')}-module app** (spawn → \`listening on\`, ${startup.runs} runs each; ms)`);
  lines.push('');
  lines.push('| Variant | Median | Min | Max | Stdev | CPU time (median) | Target |');
  lines.push('|---|--:|--:|--:|--:|--:|---|');
  for (const v of startup.variants) {
    const target = v.name.startsWith('hotswap warm') && !v.name.includes('no-watch') ? `≤ 500 ${verdict(v.summary.median, 500)}` : '';
    const stale = v.command.includes('dist/') && startup.machine.hotswap.distStale ? ' (dist/ older than src/)' : '';
    lines.push(`| ${v.name}${stale} (\`${v.command}\`) | **${ms(v.summary.median)}** | ${ms(v.summary.min)} | ${ms(v.summary.max)} | ${ms(v.summary.stdev)} | ${ms(v.cpuSummary?.median)} | ${target} |`);
  }
  lines.push('');
  lines.push('**Memory across reloads** (in process, heap after GC; MB)');
  lines.push('');
  lines.push('| Module | Reloads | Heap after `gc()` start → end | Retained (last-resort GC) start → end | Retained growth: all / 2nd half | Old versions alive | Reload median (ms) | Target |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|---|');
  for (const s of memory.scenarios) {
    // big: the issue's acceptance (heap after a GC grows < 20 MB); small: DESIGN's "flat" (taken as < 5 MB retained over the run)
    const target = s.name === 'big' ? `growth < 20 MB ${verdict(Math.max(s.heapGrowthMB, s.retainedGrowthMB), 20)}` : `flat (< 5 MB) ${verdict(s.retainedGrowthMB, 5)}`;
    const label = s.name === 'big' ? '~5 MB allocated at top level' : '~100 KB allocated at top level';
    lines.push(`| ${label} | ${s.reloads.toLocaleString('en')} | ${s.heapStartMB} → ${s.heapEndMB} | ${s.retainedStartMB} → **${s.retainedEndMB}** | ${s.retainedGrowthMB} / ${s.retainedGrowthSecondHalfMB} | ${s.retainedVersions} | ${ms(s.reloadMs.median)} | ${target} |`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const started = performance.now();
  const machine = reuse ? (JSON.parse(readFileSync(join(RESULTS_DIR, 'reload-latency.json'), 'utf8')) as ReloadLatencyResult).machine : machineInfo();
  if (machine.loadAverage1m > 0.5) log(`! load average ${machine.loadAverage1m} on ${machine.cores} cores: other processes are running, the numbers will be noisy`);
  const latency = (await runScript('reload-latency.ts', quick ? ['--sizes', '10,100', '--edits', '10', '--no-nested'] : [])) as ReloadLatencyResult;
  const startup = (await runScript('startup.ts', quick ? ['--modules', '100', '--runs', '2'] : [])) as StartupResult;
  const memory = (await runScript('memory.ts', quick ? ['--big', '50', '--small', '500'] : [], ['--expose-gc'])) as MemoryResult;
  const table = markdown(machine, latency, startup, memory);
  const result = { machine, loadAverage1mAtEnd: machineInfo().loadAverage1m, quick, reused: reuse, seconds: Math.round((performance.now() - started) / 1000), markdown: table, reloadLatency: latency, startup, memory };
  const file = resolve(argValue('out') ?? join(RESULTS_DIR, quick ? 'quick.json' : 'latest.json'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${file} (${result.seconds} s)\n`);
  process.stdout.write(`${table}\n`);
}
