/**
 * `npm run fuzz -- [--seed N] [--mutations N] [--runs N] [--modules N] [--settle-timeout MS]`: runs
 * the fuzzer (test/fuzz/fuzzer.ts) for `runs` consecutive seeds, prints each
 * seed and a summary line per run, and exits 1 if any invariant broke.
 */
import { parseArgs } from 'node:util';
import { runFuzz, type FuzzReport } from './fuzzer.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    mutations: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '1' },
    modules: { type: 'string', default: '6' },
    'settle-timeout': { type: 'string', default: '30000' },
    quiet: { type: 'boolean', default: false },
  },
});
const firstSeed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const mutations = Number(values.mutations);
const runs = Number(values.runs);
const reports: FuzzReport[] = [];
for (let i = 0; i < runs; i++) {
  const seed = firstSeed + i;
  console.log(`fuzz seed ${seed} (replay: npm run fuzz -- --seed ${seed} --mutations ${mutations})`);
  const report = await runFuzz({ seed, mutations, modules: Number(values.modules), settleTimeoutMs: Number(values['settle-timeout']), ...(values.quiet ? {} : { log: (line: string) => console.log(`  ${line}`) }) });
  reports.push(report);
  console.log(summary(report));
  for (const v of report.violations) console.log(`  ${v.kind}: ${v.detail}`);
}
const total = (pick: (r: FuzzReport) => number): number => reports.reduce((sum, r) => sum + pick(r), 0);
const violations = total((r) => r.violations.length);
console.log(
  `fuzz total: ${runs} seeds from ${firstSeed}, ${total((r) => r.mutations)} mutations, ${total((r) => r.requests)} requests, ${total((r) => r.failedRequests)} failed, ` +
    `${total((r) => r.kills)} SIGKILL restarts, ${total((r) => r.attacks)} control-API attacks, ${violations} violations`,
);
process.exitCode = violations > 0 ? 1 : 0;

function summary(r: FuzzReport): string {
  return (
    `seed ${r.seed}: ${r.mutations} mutations, ${r.requests} requests (${r.failedRequests} failed), ${r.settles} settles ` +
    `(converged p50 ${r.converge.p50} ms, max ${r.converge.max} ms), ${r.kills} SIGKILL restarts, ${r.attacks} attacks, ` +
    `heap after GC ${r.heapMb.first}→${r.heapMb.last} MB (max ${r.heapMb.max}), fds ${r.fds.first}→${r.fds.last} (max ${r.fds.max}), ` +
    `${r.violations.length} violations, ${(r.durationMs / 1000).toFixed(1)} s`
  );
}
