/**
 * Where one 1,000-module re-run spends its time: the generated app with `weights` (every module
 * reads REV of shared.ts at top level), loaded in process from its entry (createRuntime, no disk cache); 8 edits
 * of REV, each re-running every module; the 4th is CPU-profiled (inspector) and its top
 * self-time functions printed, with the median phase timings of all 8.
 *
 * Usage: node bench/rerun-profile.ts [--modules 1000] [--profile out.cpuprofile]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createRuntime } from '../src/index.ts';
import { generateApp, renderShared } from './fixtures/generate-app.ts';
import { argValue, log, removeDir, tempDir } from './lib/util.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const modules = Number(argValue('modules') ?? 1000);
const dir = tempDir('rerun-profile');
try {
  const app = generateApp(join(dir, 'app'), modules, { weights: true });
  const runtime = createRuntime({ root: app.dir, cacheDir: false });
  // The app's own entry (an HTTP server on a free port) reads mod-0's weight per request, so it does not re-run.
  process.env['PORT'] = '0';
  await runtime.import('src/main.ts');
  const phases: Record<string, number[]> = {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs between samples (the default, ~1 ms, leaves too few samples in one re-run)
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  let profile: { nodes: ProfileNode[]; samples: number[]; startTime: number; endTime: number } | undefined;
  for (let rev = 1; rev <= 8; rev++) {
    writeFileSync(app.sharedFile, renderShared('shared-v0', rev));
    if (rev === 4) await session.post('Profiler.start');
    const result = await runtime.reload([app.sharedFile]);
    if (result.status !== 'committed') throw new Error(`reload ${rev}: ${result.status}`);
    for (const [phase, ms] of Object.entries(result.timings)) (phases[phase] ??= []).push(ms);
    if (rev === 4) profile = (await session.post('Profiler.stop')).profile as typeof profile;
  }
  await runtime.close();
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  log(`phases (median of 8 re-runs of ${modules} modules, ms): ${Object.entries(phases).map(([p, v]) => `${p} ${median(v).toFixed(0)}`).join(' · ')}`);
  if (profile) {
    const out = argValue('profile');
    if (out) writeFileSync(out, JSON.stringify(profile));
    const perSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    for (const id of profile.samples) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) continue;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + perSample);
    }
    log(`profiled re-run: ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms; top self time:`);
    for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) log(`  ${ms.toFixed(1).padStart(7)} ms  ${name}`);
  }
} finally {
  removeDir(dir);
}
