import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '../../src/index.ts';
import { TransformCache } from '../../src/transform/transform-cache.ts';
import { createProject, type TempProject } from '../support/project.ts';

const SOURCE = `export const answer: number = 41;\nexport function twice(n: number): number { return n * 2; }\n`;

/** The cache files under `dir` whose name ends with `suffix`. */
function cacheFiles(dir: string, suffix: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));
}

/** A project whose transform cache holds the entry (and V8 code cache) of src/main.ts. */
async function warmProject(t: { after(fn: () => unknown): void }): Promise<{ p: TempProject; cacheDir: string; entry: string }> {
  const p = createProject({ 'src/main.ts': SOURCE });
  t.after(() => p.cleanup());
  const cacheDir = p.path('.hotswap/cache');
  const rt = createRuntime({ root: p.dir, cacheDir });
  assert.equal((await rt.import<{ answer: number }>('src/main.ts')).answer, 41);
  await rt.close();
  const [entry] = cacheFiles(cacheDir, '.json');
  assert.ok(entry, 'the start wrote a cache entry');
  return { p, cacheDir, entry };
}

/** Start the project again on its cache: the value it serves and the cache counters. */
async function startAgain(p: TempProject, cacheDir: string): Promise<{ answer: number; stats: ReturnType<ReturnType<typeof createRuntime>['stats']>['cache'] }> {
  const rt = createRuntime({ root: p.dir, cacheDir });
  try {
    const ns = await rt.import<{ answer: number; twice(n: number): number }>('src/main.ts');
    assert.equal(ns.twice(2), 4);
    return { answer: ns.answer, stats: rt.stats().cache };
  } finally {
    await rt.close();
  }
}

test('a warm start reads the verified entry from disk', async (t) => {
  const { p, cacheDir } = await warmProject(t);
  const { answer, stats } = await startAgain(p, cacheDir);
  assert.equal(answer, 41);
  assert.equal(stats.diskHits, 1);
  assert.equal(stats.rejected, 0);
});

test('a one-character change inside a cached entry\u2019s code is refused, never run, and the entry is rewritten', async (t) => {
  const { p, cacheDir, entry } = await warmProject(t);
  const text = readFileSync(entry, 'utf8');
  assert.ok(text.includes('41'));
  writeFileSync(entry, text.replace('41', '42'));
  const first = await startAgain(p, cacheDir);
  assert.equal(first.answer, 41, 'the file on disk runs, not the edited cache');
  assert.equal(first.stats.rejected, 1);
  assert.equal(first.stats.misses, 1);
  assert.equal(readFileSync(entry, 'utf8'), text, 'rewritten');
  const second = await startAgain(p, cacheDir);
  assert.deepEqual([second.answer, second.stats.diskHits, second.stats.rejected], [41, 1, 0]);
});

test('an entry whose header and digest are consistent but whose source hash is another file\u2019s is refused', async (t) => {
  const { p, cacheDir, entry } = await warmProject(t);
  const text = readFileSync(entry, 'utf8');
  const newline = text.indexOf('\n');
  const header = JSON.parse(text.slice(0, newline)) as { sourceHash: string };
  header.sourceHash = createHash('sha256').update('something else').digest('hex');
  writeFileSync(entry, `${JSON.stringify(header)}${text.slice(newline)}`);
  const { answer, stats } = await startAgain(p, cacheDir);
  assert.deepEqual([answer, stats.rejected, stats.misses], [41, 1, 1]);
});

/** Entries of the wrong shape, including ones whose digest matches (written by someone who knows the format). */
function withValidDigest(text: string, edit: (payload: Record<string, unknown>) => unknown): string {
  const newline = text.indexOf('\n');
  const header = JSON.parse(text.slice(0, newline)) as { digest: string };
  const body = JSON.stringify(edit(JSON.parse(text.slice(newline + 1)) as Record<string, unknown>));
  header.digest = createHash('sha256').update(body).digest('hex');
  return `${JSON.stringify(header)}\n${body}`;
}

const corruptions: [string, (text: string) => string][] = [
  ['[]', () => '[]'],
  ['{}', () => '{}'],
  ['an empty file', () => ''],
  ['random bytes', () => '\u0000\u00ff{"\n]]'],
  ['a truncated entry', (text) => text.slice(0, Math.floor(text.length / 2))],
  ['the entry of an older version (bare JSON of the transform)', (text) => text.slice(text.indexOf('\n') + 1)],
  ['a payload without `imports` (digest matching)', (text) => withValidDigest(text, ({ imports: _imports, ...rest }) => rest)],
  ['a payload whose `imports` is {} (digest matching)', (text) => withValidDigest(text, (payload) => ({ ...payload, imports: {} }))],
  ['a payload `[]` (digest matching)', (text) => withValidDigest(text, () => [])],
  ['a payload `{}` (digest matching)', (text) => withValidDigest(text, () => ({}))],
  ['an unknown format (digest matching)', (text) => withValidDigest(text, (payload) => ({ ...payload, format: 'wasm' }))],
  ['export records of the wrong shape (digest matching)', (text) => withValidDigest(text, (payload) => ({ ...payload, exports: [{ name: 1 }] }))],
];

for (const [name, corrupt] of corruptions) {
  test(`a cache entry that is ${name}: the app starts from the source, the entry is rewritten`, async (t) => {
    const { p, cacheDir, entry } = await warmProject(t);
    const good = readFileSync(entry, 'utf8');
    writeFileSync(entry, corrupt(good));
    const first = await startAgain(p, cacheDir);
    assert.deepEqual([first.answer, first.stats.rejected, first.stats.misses], [41, 1, 1]);
    assert.equal(readFileSync(entry, 'utf8'), good);
  });
}

test('a V8 code cache with one byte changed is refused and rewritten; the module still runs', async (t) => {
  const { p, cacheDir } = await warmProject(t);
  const [v8File] = cacheFiles(cacheDir, '.v8');
  assert.ok(v8File, 'a code cache was written');
  const bad = Buffer.from(readFileSync(v8File));
  const last = bad.length - 1;
  bad[last] = (bad[last] ?? 0) ^ 0xff;
  writeFileSync(v8File, bad);
  const { answer, stats } = await startAgain(p, cacheDir);
  assert.deepEqual([answer, stats.diskHits, stats.rejected, stats.codeCacheHits], [41, 1, 1, 0]);
  // Rewritten after the module ran (V8's bytes differ run to run: lazily compiled functions are in it).
  assert.ok(!readFileSync(v8File).equals(bad), 'rewritten');
  const third = await startAgain(p, cacheDir);
  assert.deepEqual([third.answer, third.stats.rejected, third.stats.codeCacheHits], [41, 0, 1]);
});

test('cache folders and files are owner-only whatever the umask', async (t) => {
  const previous = process.umask(0);
  t.after(() => process.umask(previous));
  const { cacheDir, entry } = await warmProject(t);
  assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
  assert.equal(statSync(join(entry, '..')).mode & 0o777, 0o700);
  assert.equal(statSync(entry).mode & 0o777, 0o600);
});

test('the cache API alone: a refused entry counts as rejected and the transform runs', () => {
  const p = createProject({});
  try {
    const dir = p.path('cache');
    const file = p.path('src/a.ts');
    const first = new TransformCache(dir);
    const made = first.transform(file, SOURCE, { defaultFormat: 'esm' });
    first.flush();
    const [entry] = cacheFiles(dir, '.json');
    assert.ok(entry);
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('"exports"', '"exported"'));
    const second = new TransformCache(dir);
    const again = second.transform(file, SOURCE, { defaultFormat: 'esm' });
    assert.equal(again.code, made.code);
    assert.deepEqual(again.exports, made.exports);
    assert.equal(second.stats.rejected, 1);
  } finally {
    p.cleanup();
  }
});
