/**
 * Cost of the resource hooks (src/resources/resource-hooks.ts) on code that
 * runs outside any version's top level: ns per operation without and with the
 * hooks, each measured in a fresh process (the script re-runs itself).
 *
 *   node bench/resource-hooks.ts [--ops 1000000]
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { installResourceHooks } from '../src/resources/resource-hooks.ts';

const opsArg = process.argv.indexOf('--ops');
const OPS = opsArg > 0 ? Number(process.argv[opsArg + 1]) : 1_000_000;

const cases: Record<string, () => void> = {
  'emitter.on + off': (() => {
    const ee = new EventEmitter();
    const listener = (): void => {};
    return () => {
      ee.on('x', listener);
      ee.off('x', listener);
    };
  })(),
  'new EventEmitter()': () => void new EventEmitter(),
  'setTimeout + clearTimeout': () => clearTimeout(setTimeout(() => {}, 1000)),
  'EventTarget add + remove': (() => {
    const target = new EventTarget();
    const listener = (): void => {};
    return () => {
      target.addEventListener('x', listener);
      target.removeEventListener('x', listener);
    };
  })(),
};

function measure(fn: () => void): number {
  for (let i = 0; i < OPS / 10; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) fn();
  return Number(process.hrtime.bigint() - start) / OPS;
}

const child = process.argv.find((a) => a === '--measure-plain' || a === '--measure-hooked');
if (child) {
  if (child === '--measure-hooked') installResourceHooks();
  const result = Object.fromEntries(Object.entries(cases).map(([name, fn]) => [name, measure(fn)]));
  process.stdout.write(JSON.stringify(result));
} else {
  const run = (flag: string): Record<string, number> =>
    JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), flag, '--ops', String(OPS)], { encoding: 'utf8' })) as Record<string, number>;
  const plain = run('--measure-plain');
  const hooked = run('--measure-hooked');
  const round = (n: number | undefined): number => Math.round((n ?? 0) * 10) / 10;
  console.table(Object.keys(cases).map((op) => ({ op, withoutNs: round(plain[op]), withHooksNs: round(hooked[op]) })));
}
