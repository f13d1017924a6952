/**
 * Steady-state cost of live bindings and stable functions: the same function
 * called through hotswap's runner (namespace proxy + forwarder) and through
 * Node's own module loader, for a tiny function and for a request-sized one.
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
const lib = `
export function tiny(a: number): number { return a + 1; }
export function work(n: number): number {
  // about the work of a small request handler: build and serialize an object
  const items = [];
  for (let i = 0; i < 20; i++) items.push({ id: i, name: 'item-' + i, value: (n * i) % 7 });
  return JSON.stringify({ n, items }).length;
}
`;
const caller = `
import { tiny, work } from './lib.ts';
export function loopTiny(count: number): number { let s = 0; for (let i = 0; i < count; i++) s = tiny(s); return s; }
export function loopWork(count: number): number { let s = 0; for (let i = 0; i < count; i++) s += work(i); return s; }
`;
writeFileSync(join(dir, 'lib.ts'), lib);
writeFileSync(join(dir, 'caller.ts'), caller);

type Loops = { loopTiny(n: number): number; loopWork(n: number): number };
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

const rows: string[] = [];
for (const [name, count, run] of [
  ['tiny function (a + 1), 10M calls', 10_000_000, (m: Loops, c: number) => m.loopTiny(c)],
  ['request-sized function, 200k calls', 200_000, (m: Loops, c: number) => m.loopWork(c)],
] as const) {
  const n = timeIt(() => run(native, count));
  const h = timeIt(() => run(hot, count));
  const overhead = ((median(h) - median(n)) / median(n)) * 100;
  rows.push(`| ${name} | ${median(n).toFixed(1)} (${n[0]?.toFixed(1)}–${n.at(-1)?.toFixed(1)}) | ${median(h).toFixed(1)} (${h[0]?.toFixed(1)}–${h.at(-1)?.toFixed(1)}) | ${overhead.toFixed(1)} % |`);
}
console.log(`node ${process.version}; median of 15 rounds (min–max), ms`);
console.log('| workload | node (native ESM) | hotswap runner | overhead |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
await runtime.close();
rmSync(dir, { recursive: true, force: true });
