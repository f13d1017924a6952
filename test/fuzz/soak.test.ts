/**
 * The soak at CI size (issue 10): 300 reloads of an HTTP app under steady
 * load. Zero failed requests; heap after GC and fds do not climb.
 * `npm run soak` runs 10,000 and prints the slopes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from './soak.ts';

test('300 reloads under load: no failed request, heap after GC and fds flat', { timeout: 300_000 }, async (t) => {
  const report = await runSoak({ reloads: 300, samples: 12 });
  t.diagnostic(`${report.requests} requests; heap after GC ${report.heapFirstQuarterMb} → ${report.heapLastQuarterMb} MB, slope ${report.heapSlopeMbPer1000} MB/1000 reloads; fd slope ${report.fdSlopePer1000}/1000`);
  assert.equal(report.failedRequests, 0, report.firstFailure ?? '');
  assert.ok(report.requests > 0);
  const fds = report.samples.map((s) => s[2]);
  assert.ok(Math.max(...fds) <= (fds[0] as number) + 8, `fds ${fds.join(' ')}`);
  // 300 reloads leave at most a few MB of noise; a leak of a version per reload would show tens
  assert.ok(report.heapLastQuarterMb - report.heapFirstQuarterMb < 8, `heap after GC ${report.samples.map((s) => s[1]).join(' ')} MB`);
});
