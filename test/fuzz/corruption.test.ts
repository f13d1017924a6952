/**
 * Corrupted `.hotswap/` between two runs (issue 10): every corruption is
 * ignored and rewritten, or refused with a clear HS_* message; the app starts
 * and serves what is on disk, never what a tampered cache holds.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CORRUPTIONS, runCorruptions, type CorruptionResult } from './corruption.ts';


describe('corrupted .hotswap/', () => {
  let results: Map<string, CorruptionResult>;
  before(async () => {
    results = new Map((await runCorruptions()).map((r) => [r.name, r]));
  }, { timeout: 300_000 });
  for (const corruption of CORRUPTIONS) {
    test(`${corruption.name}: ignored or refused clearly, the disk serves`, (t) => {
      const result = results.get(corruption.name);
      assert.ok(result, 'ran');
      t.diagnostic(result.detail);
      assert.ok(result.ok, result.detail);
    });
  }
});
