/**
 * In-process phases of a 1,000-module every-module re-run (createRuntime, no watcher, no disk
 * cache): 20 edits of REV in shared.ts, the last 15 measured. WRAP=1 also times ModuleNode's
 * view and commit methods (outermost call only); EACH=1 prints every reload; WARM=<modules> first
 * re-runs a small generated app 20 times (JIT warm-up experiment: the first re-runs after a start
 * are the slowest). Usage: node bench/rerun-phases.ts (N=20 WRAP=1 EACH=1 WARM=60)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '../src/index.ts';
import { ModuleNode } from '../src/runner/module-node.ts';
import { ModuleGraph } from '../src/runner/module-graph.ts';
import { generateApp, renderShared } from './fixtures/generate-app.ts';
import { log, removeDir, tempDir } from './lib/util.ts';
const acc: Record<string, number> = {};
let depth = 0;
function wrap(proto: object, name: string, label = name): void {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const orig = target[name] as (...args: unknown[]) => unknown;
  target[name] = function (this: unknown, ...args: unknown[]): unknown {
    if (depth > 0) return orig.apply(this, args);
    const t0 = performance.now(); depth++;
    try { return orig.apply(this, args); } finally { depth--; acc[label] = (acc[label] ?? 0) + performance.now() - t0; }
  };
}
if (process.env.WRAP) {
  for (const n of ['adopt', 'syncViews', 'endTransaction', 'stagingViewFor']) wrap(ModuleNode.prototype, n);
  if (process.env.WRAP === '2') wrap(ModuleGraph.prototype, 'commit', 'graph.commit');
}
const dir = tempDir('inproc');
if (process.env.WARM) {
  const small = generateApp(join(dir, 'small'), Number(process.env.WARM), { weights: true });
  const rt = createRuntime({ root: small.dir, cacheDir: false });
  process.env['PORT'] = '0';
  await rt.import('src/main.ts');
  const t0 = performance.now();
  for (let rev = 1; rev <= Number(process.env.WARMN ?? 20); rev++) {
    await rt.request({ changed: [small.sharedFile], sources: new Map([[small.sharedFile, renderShared('shared-v0', rev)]]) });
  }
  log(`warm-up: ${(performance.now() - t0).toFixed(0)} ms`);
  await rt.close();
}
const app = generateApp(join(dir, 'app'), 1000, { weights: true });
const runtime = createRuntime({ root: app.dir, cacheDir: false });
process.env['PORT'] = '0';
await runtime.import('src/main.ts');
const phases: Record<string, number[]> = {};
const { PerformanceObserver } = await import('node:perf_hooks');
let gcMs = 0, gcN = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) { gcMs += e.duration; gcN++; } }).observe({ entryTypes: ['gc'] });
const N = Number(process.env.N ?? 20);
let t = 0;
let cpu0 = process.cpuUsage();
for (let rev = 1; rev <= N; rev++) {
  writeFileSync(app.sharedFile, renderShared('shared-v0', rev));
  if (rev === 6) { for (const k in acc) acc[k] = 0; gcMs = 0; gcN = 0; t = performance.now(); cpu0 = process.cpuUsage(); }
  const result = await runtime.reload([app.sharedFile]);
  if (result.status !== 'committed') throw new Error(String(result.status));
  if (rev >= 6) for (const [p, ms] of Object.entries(result.timings)) (phases[p] ??= []).push(ms);
  if (process.env.EACH) log(`reload ${rev}: ${Object.entries(result.timings).map(([p, ms]) => `${p} ${ms.toFixed(1)}`).join(" · ")}`);
}
const wall = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
await new Promise((d) => setTimeout(d, 50));
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const n = N - 5;
log(`per reload (median): ${Object.entries(phases).map(([p, v]) => `${p} ${med(v).toFixed(1)}`).join(' · ')} | wall/reload ${(wall / n).toFixed(1)} cpu/reload ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} | gc ${(gcMs / n).toFixed(1)} ms (${(gcN / n).toFixed(1)}x)`);
if (Object.keys(acc).length) log('avg per reload: ' + Object.entries(acc).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(' · '));
await runtime.close();
removeDir(dir);
