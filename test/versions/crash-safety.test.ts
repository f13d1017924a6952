/**
 * Crash safety in `npm test`: 8 SIGKILL cycles of crash-cycles.ts (the issue's
 * 200 run with `npx node test/versions/crash-cycles.ts 200`). Each cycle checks
 * the database's integrity, that every stable version is restorable byte for
 * byte, and that the module file is one applied content in full.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCrashCycles } from './crash-cycles.ts';

test('SIGKILL during apply/rollback cycles loses no stable version and tears no file', async (t) => {
  const report = await runCrashCycles(8, undefined, (line) => t.diagnostic(line));
  t.diagnostic(`seed ${report.seed}`);
  assert.equal(report.cycles, 8);
  assert.ok(report.operations >= 8, 'requests were in flight when the kills landed');
});
