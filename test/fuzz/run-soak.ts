/**
 * `npm run soak -- [--reloads N]`: the soak (test/fuzz/soak.ts), 10,000
 * reloads by default. Prints progress, the heap and fd slopes, and exits 1
 * if a request failed or the heap after GC kept growing.
 */
import { parseArgs } from 'node:util';
import { runSoak } from './soak.ts';

const { values } = parseArgs({ options: { reloads: { type: 'string', default: '10000' }, samples: { type: 'string', default: '40' } } });
const report = await runSoak({ reloads: Number(values.reloads), samples: Number(values.samples), log: (line) => console.log(`  ${line}`) });
console.log(
  `soak: ${report.reloads} reloads, ${report.requests} requests, ${report.failedRequests} failed, ` +
    `heap after GC ${report.heapFirstQuarterMb} → ${report.heapLastQuarterMb} MB (first → last quarter), slope ${report.heapSlopeMbPer1000} MB per 1000 reloads, ` +
    `fd slope ${report.fdSlopePer1000} per 1000 reloads, ${(report.durationMs / 1000).toFixed(1)} s`,
);
if (report.firstFailure) console.log(`  first failure: ${report.firstFailure}`);
// Flat: under 1 MB of heap after GC and under 1 fd per 1,000 reloads.
const heapFlat = report.heapSlopeMbPer1000 < 1;
const fdsFlat = report.fdSlopePer1000 < 1;
console.log(`soak verdict: requests ${report.failedRequests === 0 ? 'all answered' : 'FAILED'}, heap ${heapFlat ? 'flat' : 'GROWS'}, fds ${fdsFlat ? 'flat' : 'GROW'}`);
process.exitCode = report.failedRequests > 0 || !heapFlat || !fdsFlat ? 1 : 0;
