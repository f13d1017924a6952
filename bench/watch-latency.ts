// Save → onChange latency of src/watch, next to bare chokidar as the floor it builds on.
//
//   node_modules/.bin/node bench/watch-latency.ts [--runs 50] [--files 1000] [--polling]
//
// A temp project of `--files` modules is watched; each run writes one file and times until the
// callback sees it. Runs are spaced beyond the settle window, so each save is a leading edge,
// as a developer's saves are.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { watch } from 'chokidar';
import { createWatcher } from '../src/watch/watcher.ts';
import type { ChangeSet } from '../src/watch/watcher.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    files: { type: 'string', default: '1000' },
    polling: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const fileCount = Number(values.files);
const usePolling = values.polling;
const SPACING_MS = 80; // > settleMs (30) and > chokidar's 50 ms change throttle

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hotswap-bench-watch-')));
for (let i = 0; i < fileCount; i++) {
  mkdirSync(join(dir, 'src', `dir${i % 20}`), { recursive: true });
  writeFileSync(join(dir, 'src', `dir${i % 20}`, `m${i}.ts`), `export const v = ${i};\n`);
}
const target = join(dir, 'src', 'dir0', 'm0.ts');

interface Stats {
  median: number;
  p95: number;
  min: number;
  max: number;
}

function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

function print(label: string, samples: number[], extra = ''): void {
  const s = summarize(samples);
  const f = (n: number) => n.toFixed(2).padStart(7);
  console.log(`${label.padEnd(44)} median ${f(s.median)} ms   p95 ${f(s.p95)} ms   min ${f(s.min)}   max ${f(s.max)}  (n=${samples.length})${extra}`);
}

/** One event source under test: start it, then time `act` → the matching callback. */
async function measure(
  start: (onEvent: (kind: string, path: string) => void) => Promise<() => Promise<void>>,
  act: (run: number) => void,
  matches: (kind: string, path: string) => boolean,
  count: number,
  afterRun?: (run: number) => Promise<void>,
): Promise<{ samples: number[]; extraEvents: number }> {
  let pending: ((at: number) => void) | undefined;
  let extraEvents = 0;
  const stop = await start((kind, path) => {
    const at = performance.now();
    if (pending !== undefined && matches(kind, path)) {
      const resolve = pending;
      pending = undefined;
      resolve(at);
    } else {
      extraEvents++;
    }
  });
  const samples: number[] = [];
  for (let run = 0; run < count; run++) {
    await delay(SPACING_MS);
    const seen = new Promise<number>((resolve) => (pending = resolve));
    const t0 = performance.now();
    act(run);
    samples.push((await seen) - t0);
    await afterRun?.(run);
  }
  await delay(SPACING_MS); // a trailing second delivery of the last save would be counted
  await stop();
  return { samples, extraEvents };
}

function startChokidar(atomic: boolean) {
  return async (onEvent: (kind: string, path: string) => void) => {
    const fsw = watch(join(dir, 'src'), { ignoreInitial: true, atomic, usePolling });
    fsw.on('all', (kind, path) => onEvent(kind, path));
    await new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    if (usePolling) await delay(150);
    return () => fsw.close();
  };
}

async function startHotswap(onEvent: (kind: string, path: string) => void) {
  const watcher = createWatcher({
    roots: [join(dir, 'src')],
    usePolling,
    onChange: (set: ChangeSet) => {
      for (const path of set.changed) onEvent('changed', path);
      for (const path of set.added) onEvent('added', path);
      for (const path of set.removed) onEvent('removed', path);
    },
  });
  await watcher.ready;
  return () => watcher.close();
}

const save = (run: number) => writeFileSync(target, `export const v = ${run};\n`);
const isSave = (kind: string, path: string) => path === target && (kind === 'change' || kind === 'changed');
const remove = () => unlinkSync(target);
const isRemove = (kind: string, path: string) => path === target && (kind === 'unlink' || kind === 'removed');
// put the file back, and let its 'add' go by before the next run
const restore = async () => {
  writeFileSync(target, 'export const v = 0;\n');
  await delay(SPACING_MS);
};

console.log(`watch latency: ${fileCount} files, ${runs} runs, ${usePolling ? 'polling' : 'fs.watch'}, node ${process.version}, ${process.platform}`);

const bare = await measure(startChokidar(false), save, isSave, runs);
print('save → chokidar change (atomic: false)', bare.samples);
const bareAtomic = await measure(startChokidar(true), save, isSave, runs);
print('save → chokidar change (atomic: true)', bareAtomic.samples);
const ours = await measure(startHotswap, save, isSave, runs);
print('save → hotswap onChange', ours.samples, `  extra deliveries: ${ours.extraEvents}`);

const deleteRuns = Math.min(runs, 20);
const chokidarDeletes = await measure(startChokidar(true), remove, isRemove, deleteRuns, restore);
print('delete → chokidar unlink (atomic: true)', chokidarDeletes.samples);
const ourDeletes = await measure(startHotswap, remove, isRemove, deleteRuns, restore);
print('delete → hotswap onChange removed (settle 30)', ourDeletes.samples);

rmSync(dir, { recursive: true, force: true });
