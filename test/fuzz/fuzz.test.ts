/**
 * The fuzzer at CI size (issue 10): 150 random mutations of a running app's
 * modules under HTTP load, with SIGKILL restarts and control-API attacks.
 * `HOTSWAP_FUZZ_SEED` replays another seed; `npm run fuzz` runs the full size.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runFuzz, type FuzzReport, type ViolationKind } from './fuzzer.ts';

const SEED = Number(process.env['HOTSWAP_FUZZ_SEED'] ?? 20261128);

describe(`fuzzer, 150 mutations, seed ${SEED}`, () => {
  let report: FuzzReport;
  before(async () => {
    report = await runFuzz({ seed: SEED, mutations: 150, settleTimeoutMs: 10_000, killChance: 0.2 });
  }, { timeout: 300_000 });
  const of = (...kinds: ViolationKind[]): string[] => report.violations.filter((v) => kinds.includes(v.kind)).map((v) => `${v.kind}: ${v.detail}`);

  test('ran the mutations under load, with restarts and attacks', (t) => {
    t.diagnostic(`seed ${report.seed}: ${report.mutations} mutations, ${report.requests} requests, ${report.settles} settles, ${report.kills} SIGKILL restarts, ${report.attacks} attacks, ${report.durationMs} ms`);
    assert.equal(report.mutations, 150);
    assert.ok(report.requests > report.mutations, `only ${report.requests} requests`);
    assert.ok(report.settles >= 5);
    assert.ok(Object.keys(report.byKind).length >= 8, `mutation kinds: ${Object.keys(report.byKind).join(', ')}`);
  });

  test('the process stays alive and no request fails', () => {
    assert.deepEqual(of('process-died', 'request-failed'), []);
    assert.equal(report.failedRequests, 0);
  });

  test('every response comes from versions that were valid when written', () => {
    assert.deepEqual(of('invalid-version'), []);
  });

  test('a fresh save of every module always gets through', () => {
    assert.deepEqual(of('stuck'), []);
  });

  test('after every module on disk is valid again, the last content written serves (no lost save)', () => {
    assert.deepEqual(of('lost-save'), []);
  });

  test('a SIGKILL during reloads, then a restart, serves the disk', () => {
    assert.deepEqual(of('restart'), []);
  });

  test('control-API attacks are refused, chunked bodies read, never a 500', () => {
    assert.ok(report.attacks >= 15);
    assert.deepEqual(of('attack'), []);
  });

  test('heap after GC and open fds stay bounded', (t) => {
    t.diagnostic(`heap after GC ${report.heapMb.first} → ${report.heapMb.last} MB (max ${report.heapMb.max}), fds ${report.fds.first} → ${report.fds.last} (max ${report.fds.max})`);
    assert.deepEqual(of('resources'), []);
  });
});
