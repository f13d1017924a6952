/**
 * Why oxc: the transform step measured against esbuild on the same sources.
 * Both strip TypeScript from every .ts file of this repository (src/, test/);
 * oxc additionally does what hotswap needs and esbuild has no equivalent for:
 * the module-runner rewrite (imports → runner calls with live bindings) and
 * the parse that yields import/export records.
 *
 *   node bench/transform-compare.ts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync as esbuildTransform } from 'esbuild';
import { transformSync as oxcTransform } from 'oxc-transform';
import { transformModule } from '../src/transform/transform-module.ts';

const root = new URL('..', import.meta.url).pathname;
const files: { file: string; source: string }[] = [];
const walk = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push({ file: path, source: readFileSync(path, 'utf8') });
  }
};
walk(join(root, 'src'));
walk(join(root, 'test'));
const bytes = files.reduce((n, f) => n + f.source.length, 0);

function measure(name: string, run: (f: { file: string; source: string }) => void, rounds = 15): { name: string; medianMs: number; perFileUs: number } {
  for (const f of files) run(f); // warm up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    for (const f of files) run(f);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)] as number;
  return { name, medianMs, perFileUs: (medianMs / files.length) * 1000 };
}

const results = [
  measure('esbuild transformSync (TS strip + sourcemap)', (f) => void esbuildTransform(f.source, { loader: 'ts', sourcemap: 'external', format: 'esm' })),
  measure('oxc transformSync (TS strip + sourcemap)', (f) => void oxcTransform(f.file, f.source, { sourcemap: true })),
  measure('hotswap transformModule (oxc strip + parse records + runner rewrite, 2 maps)', (f) => void transformModule(f.file, f.source, { defaultFormat: 'esm' })),
];
console.log(`${files.length} files, ${(bytes / 1024).toFixed(0)} KiB, node ${process.version}`);
console.log('| transform | median for all files (ms) | per file (µs) |');
console.log('|---|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.medianMs.toFixed(1)} | ${r.perFileUs.toFixed(0)} |`);
