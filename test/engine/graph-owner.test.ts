// One owner of the module graph: only src/runner/module-graph.ts writes a node's state.
// This reads every source file, so a new write elsewhere fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const OWNER = 'runner/module-graph.ts';
/** Writes of node state: an assignment to one of its fields, or a change of its importer set. */
export const NODE_WRITE = /\.(?:current|staged|missing|lastError|fatal|isRoot|lastReloadAt)\s*(?:=(?!=)|\?\?=|\|\|=)|\bimporters\.(?:add|delete|clear)\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The layers that hold module nodes; the ones above never see one (next test). */
const CORE = ['runner/', 'graph/', 'reload/', 'runtime/'];

test('only the module graph writes node state', () => {
  const writes: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    if (rel === OWNER || !CORE.some((layer) => rel.startsWith(layer))) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (NODE_WRITE.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) writes.push(`${rel}:${index + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(writes, []);
});

test('nothing above the core reaches module nodes (plugins, control and the CLI use the Runtime)', () => {
  const reaching: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    if (CORE.some((layer) => rel.startsWith(layer))) continue;
    const text = readFileSync(file, 'utf8');
    if (/runner\/(?:module-node|module-graph|module-registry)\.ts/.test(text)) reaching.push(rel);
  }
  assert.deepEqual(reaching, []);
});

test('the write pattern catches each kind of write and ignores reads', () => {
  for (const write of ['node.current = version;', 'node.staged = undefined;', 'dep.importers.add(node);', 'dep.importers.delete(node)', 'node.lastError = error;', 'node.fatal ??= e;']) assert.ok(NODE_WRITE.test(write), write);
  for (const read of ['if (node.current === version) {', 'const v = node.staged ?? node.current;', 'node.importers.size > 0', 'node.current !== undefined']) assert.ok(!NODE_WRITE.test(read), read);
});
