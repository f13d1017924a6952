import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReload } from '../../src/control/event-feed.ts';
import type { ReloadResult } from '../../src/reload/reload-result.ts';

// A reload that re-ran 1,000 modules made a ~250 KB event; the feed keeps 500 events, so the heap
// grew by ~0.4 MB a reload (issue 12). Events name the first modules and count the rest.
test('a reload event of 1,000 re-run modules names the first 10 and counts them all', () => {
  const files = Array.from({ length: 1000 }, (_, i) => `/app/src/mod-${i}.ts`);
  const result: ReloadResult = {
    id: 7,
    files: ['/app/src/shared.ts'],
    startedAt: Date.now(),
    status: 'committed',
    updated: [{ file: '/app/src/shared.ts', version: 2 }, ...files.map((file) => ({ file, version: 2 }))],
    rerun: files.map((file) => ({ file, reason: 'read "REV" of src/shared.ts at top level' })),
    pruned: [],
    timings: { stage: 1, validate: 1, commit: 1, dispose: 1, total: 4 },
  };
  const { data } = describeReload(result, (f) => f.replace('/app/', ''));
  assert.equal((data['updated'] as unknown[]).length, 10);
  assert.equal(data['updatedCount'], 1001);
  assert.equal((data['rerun'] as unknown[]).length, 10);
  assert.equal(data['rerunCount'], 1000);
  assert.deepEqual((data['updated'] as unknown[])[0], { path: 'src/shared.ts', version: 2 });
  assert.ok(JSON.stringify(data).length < 2_500, `event of ${JSON.stringify(data).length} bytes`);
});
