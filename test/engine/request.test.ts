// runtime.request(): in-memory sources win over the disk, participants hear trigger/caller
// and every outcome through finalize (the start-up load included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type ReloadParticipant, type ReloadResult, type TransactionView } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

test('request() with in-memory sources stages the given text, not the file on disk', async (t) => {
  const p = createProject({
    'src/value.ts': `export const value = () => 'disk-1';\n`,
    'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const seen: { result: ReloadResult; tx: TransactionView }[] = [];
  const participant: ReloadParticipant = { name: 'recorder', finalize: (result, tx) => seen.push({ result, tx }) };
  rt.addParticipant(participant);
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(seen[0]?.tx.trigger, 'startup', 'the start-up load is finalized too');
  assert.deepEqual(seen[0]?.tx.staged.map((s) => s.file).sort(), [p.path('src/main.ts'), p.path('src/value.ts')]);
  assert.equal(seen[0]?.tx.staged.find((s) => s.file === p.path('src/value.ts'))?.source, `export const value = () => 'disk-1';\n`);

  p.write('src/value.ts', `export const value = () => 'disk-2';\n`);
  const memory = `export const value = () => 'memory';\n`;
  const result = await rt.request({ sources: new Map([[p.path('src/value.ts'), memory]]), trigger: 'apply', caller: 'test', reason: 'pick v1' });
  assert.equal(result.status, 'committed');
  assert.equal(main.run(), 'memory', 'the given source won over the disk');
  const last = seen.at(-1);
  assert.equal(last?.result, result);
  assert.equal(last?.tx.trigger, 'apply');
  assert.equal(last?.tx.caller, 'test');
  assert.equal(last?.tx.reason, 'pick v1');
  const staged = last?.tx.staged.find((s) => s.file === p.path('src/value.ts'));
  assert.equal(staged?.source, memory);
  assert.equal(staged?.version, 2);
  assert.match(staged?.hash ?? '', /^[0-9a-f]{64}$/);

  const failed = await rt.request({ sources: new Map([['src/value.ts', `export const value = () => ;\n`]]) });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.status === 'failed' && failed.phase, 'stage');
  assert.equal(seen.at(-1)?.result, failed, 'a failed transaction is finalized too');
  assert.equal(main.run(), 'memory');
});
