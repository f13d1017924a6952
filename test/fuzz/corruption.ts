/**
 * Corruptions of `.hotswap/` between two runs of an app. Each must be either
 * ignored (and the file rewritten) or refused with a clear `HS_*` message;
 * the app must start and serve what is on disk, never what a tampered cache
 * holds; `hotswap status` must work or say clearly why not.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../control/helpers.ts';
import { startCli } from '../support/cli.ts';
import { createFuzzApp, tokenOf } from './fuzz-app.ts';
import { get } from './http-load.ts';

export interface CorruptionCase {
  name: string;
  /** Touches the control files: `hotswap status` must work or refuse clearly. */
  control?: boolean;
  apply(stateDir: string): void;
}

export interface CorruptionResult {
  name: string;
  ok: boolean;
  detail: string;
}

const everyFile = (dir: string, suffix: string, edit: (path: string) => void): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) edit(join(entry.parentPath, entry.name));
  }
};
const cacheEntries = (state: string, write: (path: string, text: string) => string): void =>
  everyFile(join(state, 'cache'), '.json', (path) => writeFileSync(path, write(path, readFileSync(path, 'utf8'))));

/**
 * Replaces each entry's payload (the line after its header) and, with `resign`, its digest too:
 * what an entry of the wrong shape written by an older or buggy hotswap would look like.
 * Only the shape checks stand between such an entry and the runner.
 */
const payloads = (state: string, edit: (payload: Record<string, unknown>) => unknown, resign: boolean): void =>
  cacheEntries(state, (_, text) => {
    const newline = text.indexOf('\n');
    const header = JSON.parse(text.slice(0, newline)) as Record<string, unknown>;
    const body = JSON.stringify(edit(JSON.parse(text.slice(newline + 1)) as Record<string, unknown>));
    if (resign) header['digest'] = createHash('sha256').update(body).digest('hex');
    return `${JSON.stringify(header)}\n${body}`;
  });

export const CORRUPTIONS: readonly CorruptionCase[] = [
  { name: 'cache entries replaced by []', apply: (s) => cacheEntries(s, () => '[]') },
  { name: 'cache entries replaced by {}', apply: (s) => cacheEntries(s, () => '{}') },
  { name: 'cache payloads [] with a matching digest', apply: (s) => payloads(s, () => [], true) },
  { name: 'cache payloads {} with a matching digest', apply: (s) => payloads(s, () => ({}), true) },
  {
    name: 'cache payloads without imports, with a matching digest',
    apply: (s) =>
      payloads(s, (payload) => {
        if (!('imports' in payload)) throw new Error('a cache payload without imports already: the corruption would be a no-op');
        delete payload['imports'];
        return payload;
      }, true),
  },
  { name: 'cache entries truncated', apply: (s) => cacheEntries(s, (_, text) => text.slice(0, Math.floor(text.length / 2))) },
  { name: 'cache entries of random bytes', apply: (s) => cacheEntries(s, (path) => String.fromCharCode(...Buffer.from(path).map((b) => (b * 7919) % 256))) },
  {
    name: 'one character of cached code changed',
    apply: (s) =>
      payloads(s, (payload) => {
        const code = String(payload['code']);
        const tampered = code.replace(/(m\d+):0/g, '$1:Z');
        // main.ts has no token: only the modules' entries must carry one
        if (tampered === code && /token\(\)/.test(code) && !/http/.test(code)) throw new Error('no token found in a cached module: the corruption would be a no-op');
        return { ...payload, code: tampered };
      }, false),
  },
  { name: 'V8 code cache files of garbage', apply: (s) => everyFile(join(s, 'cache'), '.v8', (path) => writeFileSync(path, Buffer.alloc(512, 0x5a))) },
  { name: 'every cache file empty', apply: (s) => everyFile(join(s, 'cache'), '', (path) => writeFileSync(path, '')) },
  { name: 'control.json garbage', control: true, apply: (s) => writeFileSync(join(s, 'control.json'), '{"pid": ') },
  {
    name: 'control.json naming a foreign URL, world-writable', control: true,
   
    apply: (s) => {
      writeFileSync(join(s, 'control.json'), JSON.stringify({ pid: process.pid, url: 'http://evil.example:80', started: '', project: s }));
      chmodSync(join(s, 'control.json'), 0o666);
    },
  },
  {
    name: 'token file replaced by a directory', control: true,
   
    apply: (s) => {
      rmSync(join(s, 'token'), { force: true });
      mkdirSync(join(s, 'token', 'inside'), { recursive: true });
    },
  },
  { name: 'leftover temp files holding tokens', control: true, apply: (s) => writeFileSync(join(s, 'token.99999.tmp'), 'stale-token\n') },
  { name: '.hotswap/ world-writable', control: true, apply: (s) => chmodSync(s, 0o777) },
  {
    name: '.hotswap/cache is a file',
   
    apply: (s) => {
      rmSync(join(s, 'cache'), { recursive: true, force: true });
      writeFileSync(join(s, 'cache'), 'not a directory');
    },
  },
  {
    name: '.hotswap is a file', control: true,
   
    apply: (s) => {
      rmSync(s, { recursive: true, force: true });
      writeFileSync(s, 'not a directory');
    },
  },
  {
    name: '.hotswap is a symlink to a directory elsewhere', control: true,
   
    apply: (s) => {
      rmSync(s, { recursive: true, force: true });
      mkdirSync(`${s}-elsewhere`, { recursive: true });
      symlinkSync(`${s}-elsewhere`, s);
    },
  },
];

/** Runs every case (or those `filter` keeps) on one small app; returns a verdict per case. */
export async function runCorruptions(filter: (c: CorruptionCase) => boolean = () => true): Promise<CorruptionResult[]> {
  const app = createFuzzApp(3);
  const state = join(app.dir, '.hotswap');
  const expected = Object.fromEntries(app.modules.map((m) => [m, tokenOf(m, 0)]));
  try {
    // one clean run fills the cache; its files are restored before each cache case
    const first = await startApp(app.dir);
    if (!first.ok) throw new Error(`the app does not start before any corruption: ${first.detail}`);
    await first.stop();
    const snapshot = snapshotDir(state);
    if (![...snapshot.keys()].some((f) => f.startsWith('cache/'))) throw new Error('the first run wrote no cache entries');
    // what a SIGKILLed run leaves besides its cache: control files naming a dead process
    snapshot.set('control.json', Buffer.from(JSON.stringify({ pid: 2 ** 22 + 1, url: 'http://127.0.0.1:9', started: '', project: app.dir })));
    snapshot.set('token', Buffer.from('stale-admin-token\n'));
    snapshot.set('panel-token', Buffer.from('stale-read-token\n'));
    const results: CorruptionResult[] = [];
    for (const corruption of CORRUPTIONS.filter(filter)) {
      resetState(state);
      restoreDir(state, snapshot);
      corruption.apply(state);
      results.push(await verdict(corruption, app.dir, expected));
    }
    return results;
  } finally {
    rmSync(`${state}-elsewhere`, { recursive: true, force: true });
    rmSync(app.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

async function verdict(corruption: CorruptionCase, dir: string, expected: Record<string, string>): Promise<CorruptionResult> {
  const { name } = corruption;
  const started = await startApp(dir);
  if (!started.ok) return { name, ok: false, detail: `the app did not start: ${started.detail}` };
  try {
    const { status, body } = await get(started.port, '/');
    if (status !== 200 || body !== JSON.stringify(expected)) return { name, ok: false, detail: `served ${status} ${body.slice(0, 300)}, the disk has ${JSON.stringify(expected)}` };
    const warned = started.warnings.length > 0 ? `; warned: ${started.warnings[0]?.slice(0, 160)}` : '';
    if (!corruption.control) return { name, ok: true, detail: `serves the disk${warned}` };
    const cli = await runCli(['status'], dir);
    if (cli.code !== 0 && !/HS_[A-Z_]+/.test(cli.stderr)) return { name, ok: false, detail: `hotswap status failed without a clear message: ${cli.stderr.slice(0, 300)}` };
    const said = cli.code === 0 ? 'status works' : `status refuses: ${(/HS_[A-Z_]+[^\n]*/.exec(cli.stderr)?.[0] ?? '').slice(0, 160)}`;
    return { name, ok: true, detail: `${said}${warned}` };
  } finally {
    await started.stop();
  }
}

type Started = { ok: true; port: number; warnings: string[]; stop: () => Promise<unknown> } | { ok: false; detail: string };

async function startApp(dir: string): Promise<Started> {
  const cli = startCli(['run', 'src/main.ts'], { cwd: dir, env: { FUZZ_PORT: '0' } });
  try {
    // an entry that fails to load says so and waits for a change: do not wait for it to listen
    const gaveUp = cli.waitForLine('stderr', /waiting for a change to start again/, 60_000).then((l) => Promise.reject(new Error(`${l}\n${cli.stderr.join('\n')}`)));
    gaveUp.catch(() => {});
    const line = await Promise.race([cli.waitForLine('stdout', /^listening \d+/, 60_000), gaveUp]);
    // the control server starts after the app: wait for it, or for its refusal
    await cli.waitForLine('stderr', /control http|continuing without the control server/, 60_000);
    return { ok: true, port: Number(line.split(' ')[1]), warnings: cli.stderr.filter((l) => /HS_[A-Z_]+/.test(l)), stop: () => cli.stop() };
  } catch (error) {
    await cli.stop();
    return { ok: false, detail: (error as Error).message.slice(0, 1500) };
  }
}

function resetState(state: string): void {
  rmSync(state, { recursive: true, force: true });
  rmSync(`${state}-elsewhere`, { recursive: true, force: true });
}

function snapshotDir(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && !entry.name.endsWith('.tmp')) files.set(path.slice(dir.length + 1), readFileSync(path));
  }
  return files;
}

function restoreDir(dir: string, files: Map<string, Buffer>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const [relative, content] of files) {
    const path = join(dir, relative);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600 });
  }
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
}
