import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createIgnoreMatcher, DEFAULT_IGNORES, isEditorScratchFile } from '../../src/watch/ignore.ts';

const root = '/work/app';

test('DEFAULT_IGNORES lists the generated and tool folders', () => {
  assert.deepEqual([...DEFAULT_IGNORES], ['node_modules', '.git', '.hotswap', 'dist', 'build', 'coverage', 'out']);
  assert.ok(Object.isFrozen(DEFAULT_IGNORES));
});

test('default ignores match a segment anywhere below the root', () => {
  const isIgnored = createIgnoreMatcher([root]);
  for (const name of DEFAULT_IGNORES) {
    assert.equal(isIgnored(join(root, name)), true, name);
    assert.equal(isIgnored(join(root, 'packages', 'x', name, 'index.js')), true, name);
  }
  assert.equal(isIgnored(join(root, 'src', 'main.ts')), false);
  assert.equal(isIgnored(join(root, 'src', 'distance.ts')), false, 'a segment, not a substring');
  assert.equal(isIgnored(root), false);
});

test('segments above the root do not count: a project under ~/build/ is watched', () => {
  const nested = '/home/me/build/app';
  const isIgnored = createIgnoreMatcher([nested]);
  assert.equal(isIgnored(join(nested, 'src', 'main.ts')), false);
  assert.equal(isIgnored(join(nested, 'dist', 'main.js')), true);
});

test('extra ignores: segment names, absolute prefixes, RegExps', () => {
  const isIgnored = createIgnoreMatcher([root], ['generated', join(root, 'src', 'vendor'), /\.snap$/]);
  assert.equal(isIgnored(join(root, 'src', 'generated', 'api.ts')), true);
  assert.equal(isIgnored(join(root, 'src', 'vendor')), true);
  assert.equal(isIgnored(join(root, 'src', 'vendor', 'lib.ts')), true);
  assert.equal(isIgnored(join(root, 'src', 'vendors.ts')), false, 'a prefix ends at a separator');
  assert.equal(isIgnored(join(root, 'test', 'a.test.ts.snap')), true);
  assert.equal(isIgnored(join(root, 'test', 'a.test.ts')), false);
});

test('editor scratch files are ignored, real files are not', () => {
  const scratch = [
    ['vim swap', '.main.ts.swp'],
    ['vim second swap', '.main.ts.swo'],
    ['vim swap probe', '.main.ts.swx'],
    ['vim write probe', '4913'],
    ['vim/emacs backup', 'main.ts~'],
    ['emacs auto-save', '#main.ts#'],
    ['emacs lock', '.#main.ts'],
    ['JetBrains temp', 'main.ts___jb_tmp___'],
    ['JetBrains old', 'main.ts___jb_old___'],
    ['sed -i temp', 'sed6J1zVc'],
    ['generic temp', 'README.tmp'],
    ['Sublime temp', '.subl5f2.tmp'],
    ['atomic write (VS Code extensions, tools)', 'main.ts.tmp.93809.4dbd82e0b95a'],
    ['atomic write with a pid', 'main.ts.tmp-4242'],
    ['VS Code for the Web', 'main.ts.crswap'],
    ['backup', 'main.ts.bak'],
    ['merge leftover', 'main.ts.orig'],
    ['Kate swap', '.main.ts.kate-swp'],
    ['gedit', '.goutputstream-7QX1Z2'],
    ['Finder', '.DS_Store'],
  ];
  for (const [editor, name] of scratch) {
    assert.equal(isEditorScratchFile(join(root, 'src', name as string)), true, `${editor}: ${name}`);
    assert.equal(createIgnoreMatcher([root])(join(root, 'src', name as string)), true, `the watcher ignores ${name}`);
  }
  for (const name of ['main.ts', '.env', 'swap.ts', 'main.tmp.ts', '49130.ts', 'sed.ts', 'sedan.ts', 'seduce', 'template.ts', 'tmp.ts', 'backup.ts', '#notes.md', 'main.swp.ts']) {
    assert.equal(isEditorScratchFile(join(root, 'src', name)), false, name);
  }
});
