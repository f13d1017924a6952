/**
 * The soak: `reloads` valid saves of one module of an HTTP app under steady
 * load, each waited for until it serves. Zero requests may fail; the heap
 * after GC (measured by the app itself) and the open fds are sampled as the
 * reloads go and their slope per 1,000 reloads is reported.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from '../support/cli.ts';
import { createFuzzApp, tokenOf, validSource } from './fuzz-app.ts';
import { get, startLoad } from './http-load.ts';
import { sampleProcess, slope } from './process-probe.ts';

export interface SoakOptions {
  reloads: number;
  /** Samples of heap and fds, evenly spread. @default 20 */
  samples?: number;
  /** Longest wait for one reload to serve. @default 30000 */
  reloadTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  reloads: number;
  requests: number;
  failedRequests: number;
  firstFailure: string | undefined;
  /** [reloads done, heap used after GC in MB, open fds] */
  samples: [number, number, number][];
  heapSlopeMbPer1000: number;
  fdSlopePer1000: number;
  /** Heap after GC, MB: mean of the first and of the last quarter of the samples. */
  heapFirstQuarterMb: number;
  heapLastQuarterMb: number;
  durationMs: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const app = createFuzzApp(1);
  const name = app.modules[0] as string;
  const file = join(app.dir, 'src', `${name}.ts`);
  const cli = startCli(['run', 'src/main.ts'], { cwd: app.dir, env: { FUZZ_PORT: '0' } });
  try {
    const port = Number((await cli.waitForLine('stdout', /^listening \d+/, 60_000)).split(' ')[1]);
    let served = 0;
    const load = startLoad(port, 2, (body) => {
      const token = (JSON.parse(body) as Record<string, string>)[name] ?? '';
      const rev = Number(token.split(':')[1]);
      if (!token.startsWith(`${name}:`) || !(rev >= served - 1)) return `served ${token} after ${tokenOf(name, served)}`;
      served = Math.max(served, rev);
      return undefined;
    });
    const samples: [number, number, number][] = [];
    const every = Math.max(1, Math.floor(options.reloads / (options.samples ?? 20)));
    const sample = async (done: number): Promise<void> => {
      const heap = (JSON.parse((await get(port, '/heap')).body) as { heapUsed: number }).heapUsed / 1024 / 1024;
      samples.push([done, Math.round(heap * 10) / 10, sampleProcess(cli.child.pid as number)?.fds ?? 0]);
    };
    await sample(0);
    for (let rev = 1; rev <= options.reloads; rev++) {
      // an editor's atomic save: the scratch name is ignored, the rename is the change
      const temp = join(app.dir, 'src', `.${name}.ts.swp`);
      writeFileSync(temp, validSource(name, rev));
      renameSync(temp, file);
      const deadline = performance.now() + (options.reloadTimeoutMs ?? 30_000);
      while (served < rev) {
        if (cli.child.exitCode !== null) throw new Error(`the app exited: ${cli.stderr.slice(-5).join('\n')}`);
        if (performance.now() > deadline) throw new Error(`reload ${rev} did not serve in ${options.reloadTimeoutMs ?? 30_000} ms (serving ${served})`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (rev % every === 0) {
        await sample(rev);
        options.log?.(`${rev}/${options.reloads} reloads, heap after GC ${samples.at(-1)?.[1]} MB, fds ${samples.at(-1)?.[2]}, ${load.stats.requests} requests, ${load.stats.failed} failed`);
      }
    }
    await load.stop();
    const xs = samples.map((s) => s[0]);
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const mean = (values: number[]): number => Math.round((values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)) * 10) / 10;
    return {
      reloads: options.reloads,
      requests: load.stats.requests,
      failedRequests: load.stats.failed,
      firstFailure: load.stats.firstFailure,
      samples,
      heapSlopeMbPer1000: Math.round(slope(xs, samples.map((s) => s[1])) * 1000 * 100) / 100,
      fdSlopePer1000: Math.round(slope(xs, samples.map((s) => s[2])) * 1000 * 100) / 100,
      heapFirstQuarterMb: mean(samples.slice(0, quarter).map((s) => s[1])),
      heapLastQuarterMb: mean(samples.slice(-quarter).map((s) => s[1])),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await cli.stop();
    rmSync(app.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}
