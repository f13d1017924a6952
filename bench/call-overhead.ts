/**
 * Steady-state cost of live bindings and stable functions: the same functions
 * called through hotswap's runner (namespace + stable functions) and through
 * Node's own module loader: a tiny function, a tight loop that calls an imported
 * one-line function and reads an imported `const`, a call through a namespace
 * import (`ns.f()`), a stable function handed out as a value (a callback), and a
 * request-sized function. Every row is measured again after a reload of both
 * modules (importers then hold the namespaces their transaction handed out).
 *
 *   node bench/call-overhead.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRuntime } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hotswap-bench-call-'));
writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
const lib = (rev: number): string => `
export const K = 3;
export const REV = ${rev};
export function tiny(a: number): number { return a + 1; }
export function work(n: number): number {
  // about the work of a small request handler: build and serialize an object
  const items = [];
  for (let i = 0; i < 20; i++) items.push({ id: i, name: 'item-' + i, value: (n * i) % 7 });
  return JSON.stringify({ n, items }).length;
}
`;
const caller = (rev: number): string => `
import { tiny, work, K } from './lib.ts';
import * as lib from './lib.ts';
export const REV = ${rev};
export function loopTiny(count: number): number { let s = 0; for (let i = 0; i < count; i++) s = tiny(s); return s; }
export function loopTight(count: number): number { let s = 0; for (let i = 0; i < count; i++) s = tiny(s) + K; return s; }
export function loopNamespace(count: number): number { let s = 0; for (let i = 0; i < count; i++) s = lib.tiny(s) + lib.K; return s; }
export function loopCallback(count: number): number { const f = tiny; let s = 0; for (let i = 0; i < count; i++) s = f(s); return s; }
export function loopWork(count: number): number { let s = 0; for (let i = 0; i < count; i++) s += work(i); return s; }
`;
writeFileSync(join(dir, 'lib.ts'), lib(0));
writeFileSync(join(dir, 'caller.ts'), caller(0));

type Loop = (n: number) => number;
type Loops = { loopTiny: Loop; loopTight: Loop; loopNamespace: Loop; loopCallback: Loop; loopWork: Loop };
const native = (await import(pathToFileURL(join(dir, 'caller.ts')).href)) as Loops;
const runtime = createRuntime({ root: dir, cacheDir: false });
const hot = await runtime.import<Loops>(join(dir, 'caller.ts'));

function timeIt(fn: () => void, rounds = 15): number[] {
  for (let i = 0; i < 3; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}
const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] as number;
const range = (xs: number[]): string => `${median(xs).toFixed(1)} (${xs[0]?.toFixed(1)}–${xs.at(-1)?.toFixed(1)})`;

const workloads: [name: string, count: number, loop: keyof Loops][] = [
  ['tiny function (a + 1), 10M calls', 10_000_000, 'loopTiny'],
  ['tight loop: call + const read (`tiny(s) + K`), 10M', 10_000_000, 'loopTight'],
  ['namespace: `lib.tiny(s) + lib.K`, 10M', 10_000_000, 'loopNamespace'],
  ['stable function as a value (callback), 10M calls', 10_000_000, 'loopCallback'],
  ['request-sized function, 200k calls', 200_000, 'loopWork'],
];
const rows: string[] = [];
async function measure(when: string): Promise<void> {
  for (const [name, count, loop] of workloads) {
    if (native[loop](1000) !== hot[loop](1000)) throw new Error(`${loop}: the runner computes a different result than node`);
    const n = timeIt(() => native[loop](count));
    const h = timeIt(() => hot[loop](count));
    const ratio = median(h) / median(n);
    rows.push(`| ${name}${when} | ${range(n)} | ${range(h)} | ${ratio.toFixed(2)}× (${((ratio - 1) * 100).toFixed(1)} %) |`);
  }
}
await measure('');
// A reload of both: the caller's new version holds the namespace its transaction handed out.
writeFileSync(join(dir, 'lib.ts'), lib(1));
writeFileSync(join(dir, 'caller.ts'), caller(1));
const result = await runtime.reload([join(dir, 'lib.ts'), join(dir, 'caller.ts')]);
if (result.status !== 'committed') throw new Error(`reload: ${result.status}`);
await measure(', after a reload');
console.log(`node ${process.version}; median of 15 rounds (min–max), ms; ratio = hotswap / native`);
console.log('| workload | node (native ESM) | hotswap runner | ratio (overhead) |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
await runtime.close();
rmSync(dir, { recursive: true, force: true });
