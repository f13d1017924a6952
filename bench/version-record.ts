/**
 * What recording a reload in the version store costs: the generated app with `weights` (every
 * module reads REV of shared.ts at top level) loaded in process with versions attached; the
 * versions participant's `finalize` (recording, probation bookkeeping) is timed inside real
 * reloads. Two kinds of edit: REV of shared.ts (every module re-runs) and a function body of
 * one leaf module (only it re-runs). Prints the median and the range of each, the rows each
 * kind of edit added, and the cost of the first start and of a restart with unchanged sources.
 *
 * Usage: node bench/version-record.ts [--modules 1000] [--runs 10]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '../src/index.ts';
import type { Runtime } from '../src/runtime/runtime.ts';
import type { ReloadParticipant } from '../src/reload/participant.ts';
import { attachVersions } from '../src/versions/attach-versions.ts';
import { loadSqlite } from '../src/versions/sqlite.ts';
import { generateApp, renderShared } from './fixtures/generate-app.ts';
import { argValue, log, removeDir, tempDir } from './lib/util.ts';

const modules = Number(argValue('modules') ?? 1000);
const runs = Number(argValue('runs') ?? 10);
const dir = tempDir('version-record');
/** Times the versions participant's finalize where the reload calls it (install before attachVersions). */
function time(runtime: Runtime): number[] {
  const spent: number[] = [];
  const add = runtime.addParticipant.bind(runtime);
  runtime.addParticipant = (participant: ReloadParticipant) => {
    const finalize = participant.finalize;
    if (participant.name !== 'versions' || !finalize) return add(participant);
    return add({
      ...participant,
      finalize(result, tx) {
        const start = performance.now();
        try {
          finalize.call(participant, result, tx);
        } finally {
          spent.push(performance.now() - start);
        }
      },
    });
  };
  return spent;
}

try {
  const app = generateApp(join(dir, 'app'), modules, { weights: true });
  const runtime = createRuntime({ root: app.dir, cacheDir: false });
  const spent = time(runtime);
  const versions = attachVersions(runtime, { file: join(dir, 'versions.db'), windowMs: Number(argValue("window") ?? 60_000) });
  const store = versions.service.store;
  if (!store) throw new Error(versions.service.unavailable ?? 'no store');
  await runtime.import('src/mod-0.ts');
  log(`start-up of ${modules} modules recorded in ${(spent.at(-1) ?? 0).toFixed(1)} ms`);
  // A second connection counts the rows.
  const { DatabaseSync } = loadSqlite();
  const reader = new DatabaseSync(join(dir, 'versions.db'), { readOnly: true });
  // Rows inserted (retention may delete old ones meanwhile): the growth of the newest id.
  const rows = (): number => Number((reader.prepare("SELECT seq AS n FROM sqlite_sequence WHERE name = 'versions'").get() as { n: number }).n);
  const leafFile = join(app.dir, 'src', `mod-${modules - 4}.ts`);
  const leafText = readFileSync(leafFile, 'utf8');
  const measure = async (label: string, edit: (i: number) => string): Promise<void> => {
    spent.length = 0;
    const before = rows();
    let staged = 0;
    for (let i = 1; i <= runs; i++) {
      const file = edit(i);
      const result = await runtime.reload([file]);
      if (result.status !== 'committed') throw new Error(`${label} ${i}: ${result.status}`);
      staged = result.updated.length;
    }
    const sorted = [...spent].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    log(`${label} (${staged} modules staged): recording median ${median.toFixed(2)} ms (min ${(sorted[0] ?? 0).toFixed(2)}, max ${(sorted.at(-1) ?? 0).toFixed(2)}) over ${runs}; ${rows() - before} rows added`);
  };
  await measure('every module re-runs', (i) => {
    writeFileSync(app.sharedFile, renderShared('shared-v0', i));
    return app.sharedFile;
  });
  await measure('leaf edit', (i) => {
    writeFileSync(leafFile, leafText.replace('% 1000003', `% ${1000003 + i}`));
    return leafFile;
  });
  reader.close();
  await runtime.close();
  // A restart with unchanged sources: every module reuses its newest row.
  const again = createRuntime({ root: app.dir, cacheDir: false });
  const timed = time(again);
  attachVersions(again, { file: join(dir, 'versions.db'), windowMs: 60_000 });
  await again.import('src/mod-0.ts');
  log(`restart of ${modules} unchanged modules recorded in ${(timed.at(-1) ?? 0).toFixed(1)} ms`);
  await again.close();
} finally {
  removeDir(dir);
}
