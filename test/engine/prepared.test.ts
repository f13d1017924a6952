// prepareTransaction: staged and validated, then the caller commits or aborts. Driven on
// the registry alone (in-memory sources, fake clock), without the runtime's queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequest } from '../../src/reload/reload-request.ts';
import { prepareTransaction } from '../../src/reload/transaction.ts';
import { memoryRegistry } from './memory-engine.ts';

type Ns = Record<string, any>;

const files = {
  'src/value.ts': `export const value = () => 1;\n`,
  'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\n`,
};

test('prepare stages beside the live version; abort drops it, commit swaps it in', async () => {
  const { registry, fs, deps } = memoryRegistry(files);
  const main = (await registry.importLive(fs.path('src/main.ts'))) as Ns;
  const node = registry.graph.get(fs.path('src/value.ts'));
  const request = (text: string) => normalizeRequest({ sources: new Map([[fs.path('src/value.ts'), text]]) }, (f) => registry.graph.get(f)?.current !== undefined);

  const first = await prepareTransaction(deps, request(`export const value = () => 2;\n`), 1);
  assert.equal(first.kind, 'prepared');
  if (first.kind !== 'prepared') return;
  assert.equal(main.run(), 1, 'staged, not live');
  assert.equal(node?.staged?.version, 2);
  const aborted = await first.abort('the coordinator chose another version');
  assert.equal(aborted.status, 'failed');
  assert.match(aborted.error.message, /the coordinator chose another version/);
  assert.equal(node?.staged, undefined);
  assert.equal(node?.lastError, undefined, 'an abort is no failure of the module');
  assert.equal(main.run(), 1, 'abort leaves the committed version serving');
  await assert.rejects(first.commit(), /already ended/);

  const second = await prepareTransaction(deps, request(`export const value = () => 3;\n`), 2);
  assert.equal(second.kind, 'prepared');
  if (second.kind !== 'prepared') return;
  const committed = await second.commit();
  assert.equal(committed.status, 'committed');
  assert.equal(main.run(), 3);
  // Version numbers stay unique per module (the version history and `rollback <module>@<n>` need
  // that), so an aborted attempt keeps its number; the plugin host's lines name both counters.
  assert.equal(node?.current?.version, 3, 'the aborted version 2 never became current');
});

test('a failure while preparing is settled and rolled back before the caller sees it', async () => {
  const { registry, fs, deps } = memoryRegistry(files);
  const main = (await registry.importLive(fs.path('src/main.ts'))) as Ns;
  const request = normalizeRequest({ sources: new Map([[fs.path('src/value.ts'), `export const value = () => {;\n`]]) }, () => true);
  const outcome = await prepareTransaction(deps, request, 1);
  assert.equal(outcome.kind, 'settled');
  if (outcome.kind !== 'settled') return;
  assert.equal(outcome.result.status, 'failed');
  assert.equal(outcome.result.status === 'failed' && outcome.result.phase, 'stage');
  assert.equal(registry.graph.get(fs.path('src/value.ts'))?.staged, undefined);
  assert.equal(main.run(), 1);
});
