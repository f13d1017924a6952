/** Heap measurements for leak tests: a forced GC, repeated until FinalizationRegistry callbacks (tasks after a GC) have run. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Heap used after full GCs, once finalizers had their turn. `lastResort`: V8's memory-reducing GC
 * (what it runs under memory pressure), which also empties its compilation cache: what is held.
 */
export async function settledHeap(options: { lastResort?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 3; i++) {
    if (options.lastResort) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    else gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** A young-generation GC only (a scavenge): what dies young is collected, nothing in old space is. Then finalizers get their turn. */
export async function minorGc(): Promise<void> {
  (gc as unknown as (options: { type: 'minor' }) => void)({ type: 'minor' });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

/**
 * Whether a young-generation GC clears what a FinalizationRegistry watches here: V8 treats weak
 * targets as strong in scavenges before `--handle-weak-ref-weakly-in-minor-gc` (Node 22's V8 12.4
 * does), so a test cannot see through a FinalizationRegistry what such a GC collected.
 */
export async function minorGcReportsCollections(): Promise<boolean> {
  // From a finished full GC: a marking under way could finish meanwhile and collect the probes itself.
  await settledHeap();
  const count = 50;
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  ((): void => {
    for (let i = 0; i < count; i++) registry.register({ i }, undefined);
  })();
  await minorGc();
  for (let turn = 0; turn < 20 && collected < count; turn++) await new Promise((r) => setTimeout(r, 10));
  return collected >= count / 2;
}
