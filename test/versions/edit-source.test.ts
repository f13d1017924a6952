/** `apply --mode export:<name>` by syntax tree: only that declaration's text changes; every other byte stays. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHotswapError } from '../../src/errors.ts';
import { editSource, parseApplyMode } from '../../src/versions/edit-source.ts';

const MODULE = `// é, ü and 😀 before the target: offsets are UTF-16
import { helper } from './helper.ts';

/** Doc comment stays. */
export   function  target ( a: number ) : number {
  return helper(a) + 1;   // odd spacing kept elsewhere
}

export class Box { value = 1 }
export const limit = 10;

function privateOne() { return 'p'; }
export const after = "😀";
`;

function replaced(mode: string, fragment: string): string {
  return editSource(parseApplyMode(mode), MODULE, fragment, 'lib/m.ts', 'fix.ts');
}

function assertOnlyChanged(result: string, oldText: string, newText: string): void {
  const start = MODULE.indexOf(oldText);
  assert.ok(start >= 0);
  assert.equal(result.slice(0, start), MODULE.slice(0, start), 'every byte before is identical');
  assert.equal(result.slice(start, start + newText.length), newText);
  assert.equal(result.slice(start + newText.length), MODULE.slice(start + oldText.length), 'every byte after is identical');
}

test('a function, a class and a const are replaced by span', () => {
  const fn = 'export function target(a: number): number {\n  return a * 2;\n}';
  assertOnlyChanged(replaced('export:target', `// header of the fix\n${fn}\n\nexport const unrelated = 1;\n`), 'export   function  target ( a: number ) : number {\n  return helper(a) + 1;   // odd spacing kept elsewhere\n}', fn);
  assertOnlyChanged(replaced('export:Box', 'export class Box { value = 2; get double() { return this.value * 2; } }'), 'export class Box { value = 1 }', 'export class Box { value = 2; get double() { return this.value * 2; } }');
  assertOnlyChanged(replaced('export:limit', 'export const limit = 20;'), 'export const limit = 10;', 'export const limit = 20;');
  assertOnlyChanged(replaced('export:after', 'export const after = "ü";'), 'export const after = "😀";', 'export const after = "ü";');
});

test('a fragment without `export` gets it; an async function replaces a sync one', () => {
  assertOnlyChanged(replaced('export:limit', 'const limit = 30;'), 'export const limit = 10;', 'export const limit = 30;');
  const fn = 'async function target(a: number) { return a; }';
  assertOnlyChanged(replaced('export:target', fn), 'export   function  target ( a: number ) : number {\n  return helper(a) + 1;   // odd spacing kept elsewhere\n}', `export ${fn}`);
});

test('what cannot be replaced is refused with a hint', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(isHotswapError(error));
      return `${error.code}: ${error.message} / ${error.hint ?? ''}`;
    }
    return 'no error';
  };
  assert.match(code(() => replaced('export:privateOne', 'function privateOne() {}')), /HS_APPLY: lib\/m\.ts has no exported function, class or const named "privateOne" \/ .*target, Box, limit, after/);
  assert.match(code(() => replaced('export:target', 'export function other() {}')), /HS_APPLY: fix\.ts declares no function, class or const named "target"/);
  assert.match(code(() => replaced('export:target', 'export function target( {')), /HS_SYNTAX: Syntax error in fix\.ts/);
  assert.match(code(() => editSource(parseApplyMode('export:a'), 'export const a = 1, b = 2;\n', 'export const a = 3;', 'm.ts', 'fix.ts')), /shares its declaration with b/);
  assert.match(code(() => parseApplyMode('export:')), /HS_USAGE: Unknown --mode "export:"/);
});

test('append keeps the file and adds a newline only where one is missing', () => {
  assert.equal(editSource({ kind: 'append' }, 'a\n', 'b', 'm.ts', 'f'), 'a\nb\n');
  assert.equal(editSource({ kind: 'append' }, 'a', 'b\n', 'm.ts', 'f'), 'a\nb\n');
  assert.equal(editSource({ kind: 'replace' }, 'a', 'b', 'm.ts', 'f'), 'b');
});
