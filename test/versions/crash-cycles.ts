/**
 * Crash safety, as a runnable: `hotswap run` takes a stream of apply and
 * rollback requests and is SIGKILLed at a random point; after each kill the
 * database passes `PRAGMA integrity_check`, every stable version's source is
 * there byte for byte (and a rollback to one restores it on disk exactly), and
 * the module file holds one of the contents ever applied, in full.
 *
 *   npx node test/versions/crash-cycles.ts 200 [seed]
 *
 * `crash-safety.test.ts` runs a few cycles of it in `npm test`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli, tempDir, writeFiles } from '../control/helpers.ts';
import { loadSqlite } from '../../src/versions/sqlite.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Module contents: large enough that a kill can land in the middle of writing one. */
export function variant(k: number): string {
  return `// ${'padding '.repeat(4000)}\nexport function engineVersion(): string {\n  return 'v${k}';\n}\n`;
}

const MAIN = "import { engineVersion } from './lib/engine.ts';\nexport const start = engineVersion();\nsetInterval(() => {}, 1 << 30);\n";

export interface CrashReport {
  cycles: number;
  operations: number;
  committed: number;
  seed: number;
}

/** Mulberry32: a seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCrashCycles(cycles: number, seed = Date.now() % 1_000_000, log: (line: string) => void = () => {}): Promise<CrashReport> {
  const rand = random(seed);
  const dir = tempDir('hotswap-crash-');
  const contents = new Set<string>();
  for (let k = 0; k < 6; k++) contents.add(variant(k));
  writeFiles(dir, { 'package.json': JSON.stringify({ type: 'module', hotswap: { versions: { windowMs: 30, minCalls: 1_000_000 } } }), 'main.ts': MAIN, 'lib/engine.ts': variant(0) });
  const report: CrashReport = { cycles: 0, operations: 0, committed: 0, seed };
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      const app = spawnCli(['run', '--no-watch', 'main.ts'], { cwd: dir });
      try {
        const [, url] = (await app.waitFor(/control (http:\/\/127\.0\.0\.1:\d+)/, 'the control server')) as RegExpMatchArray & [string, string];
        const token = readFileSync(join(dir, '.hotswap', 'token'), 'utf8').trim();
        const post = async (path: string, body: unknown): Promise<{ outcome?: { status: string } }> => {
          const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
          return (await response.json()) as { outcome?: { status: string } };
        };
        // A rollback to a stable version restores its source exactly (checked before the kill games start).
        const stable = stableVersions(dir);
        const pick = stable[Math.floor(rand() * stable.length)];
        if (pick) {
          const result = await post('/api/rollback', { target: pick.id });
          if (result.outcome?.status === 'committed' || result.outcome?.status === 'skipped') {
            const onDisk = readFileSync(join(dir, 'lib', 'engine.ts'), 'utf8');
            if (onDisk !== pick.text) throw new Error(`cycle ${cycle}: rollback to stable #${pick.id} left other content on disk: ${JSON.stringify(result)} disk ${onDisk.slice(-40)} want ${pick.text.slice(-40)}`);
          } else throw new Error(`cycle ${cycle}: rollback to stable #${pick.id} failed: ${JSON.stringify(result)}`);
        }
        const killAfter = rand() * 400;
        const killed = new Promise<void>((resolve) => setTimeout(() => { app.child.kill('SIGKILL'); resolve(); }, killAfter));
        let stop = false;
        void killed.then(() => (stop = true));
        while (!stop) {
          report.operations++;
          const ids = stableVersions(dir).map((r) => r.id);
          const body = rand() < 0.6 || ids.length === 0 ? { module: 'lib/engine.ts', code: variant(1 + Math.floor(rand() * 5)), mode: 'replace' } : { target: ids[Math.floor(rand() * ids.length)] };
          try {
            const result = await post('target' in body ? '/api/rollback' : '/api/apply', body);
            if (result.outcome?.status === 'committed') report.committed++;
          } catch {
            break; // the process died under the request
          }
        }
        await killed;
        await app.exited;
      } finally {
        await app.kill();
      }
      verify(dir, contents, cycle);
      report.cycles++;
      log(`cycle ${cycle + 1}/${cycles}: ok (${report.operations} operations, ${report.committed} committed)`);
    }
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
}

function stableVersions(dir: string): { id: number; text: string }[] {
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(join(dir, '.hotswap', 'versions.db'), { readOnly: true });
  try {
    return (db.prepare("SELECT v.id AS id, s.text AS text FROM versions v JOIN sources s ON s.hash = v.hash WHERE v.state = 'stable' AND v.module = 'lib/engine.ts'").all() as { id: number; text: string }[]).map((r) => ({ id: Number(r.id), text: String(r.text) }));
  } catch {
    return [];
  } finally {
    db.close();
  }
}

function verify(dir: string, contents: Set<string>, cycle: number): void {
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(join(dir, '.hotswap', 'versions.db'));
  try {
    const integrity = (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
    if (integrity !== 'ok') throw new Error(`cycle ${cycle}: integrity_check: ${integrity}`);
    const rows = db.prepare("SELECT v.id AS id, v.hash AS hash, s.text AS text FROM versions v LEFT JOIN sources s ON s.hash = v.hash WHERE v.state = 'stable'").all() as { id: number; hash: string; text: string | null }[];
    for (const row of rows) {
      if (row.text === null || sha(row.text) !== row.hash) throw new Error(`cycle ${cycle}: stable version #${row.id} is not restorable byte for byte`);
    }
  } finally {
    db.close();
  }
  const file = readFileSync(join(dir, 'lib', 'engine.ts'), 'utf8');
  if (!contents.has(file)) throw new Error(`cycle ${cycle}: lib/engine.ts is neither the old nor the new content in full (${file.length} chars)`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const count = Number(process.argv[2] ?? 200);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const t0 = performance.now();
  const report = await runCrashCycles(count, seed, (line) => console.log(line));
  console.log(`${report.cycles} cycles, ${report.operations} operations (${report.committed} committed), seed ${report.seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s: every check passed`);
}
