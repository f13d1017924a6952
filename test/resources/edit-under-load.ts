/**
 * The server hand-over acceptance harness: the real CLI runs an app whose
 * entry is edited N times while keep-alive clients and new-connection clients
 * send bounded request loops to 127.0.0.1. Every edit waits for its committed
 * reload event (never a sleep) and is checked on a fresh connection.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { runCli } from '../control/helpers.ts';
import { REPO, startCli } from '../support/cli.ts';
import { waitFor } from '../support/project.ts';
import { freePort, listeningSockets, request } from './helpers.ts';

/** Answers `/` with `v<version>`, holds `/slow` until `/release-slow` (served by any version) lets it go. */
const SLOW_TS = `const g = globalThis as any;
export function answer(path: string, version: number, send: (body: string) => void): void {
  if (path === '/release-slow') {
    g.__releaseSlow = true;
    send('released');
    return;
  }
  if (path === '/slow') {
    console.log('slow started v' + version);
    const timer = setInterval(() => {
      if (!g.__releaseSlow) return;
      clearInterval(timer);
      g.__releaseSlow = false;
      send('slow v' + version);
    }, 5);
    return;
  }
  send('v' + version);
}
`;

export interface LoadOptions {
  name: string;
  /** The entry's source for a version: must print `listening v<version>` once it listens. */
  main(version: number): string;
  edits: number;
  /** A request started after edit k's commit was observed must be answered by version >= k (the app listens during its top level). */
  strict: boolean;
}

const KEEP_ALIVE_CLIENTS = 3;
const NEW_CONNECTION_CLIENTS = 2;
const MAX_REQUESTS = 500_000;

export async function editUnderLoad(t: TestContext, options: LoadOptions): Promise<void> {
  // Under the repository, so the app's packages resolve from its node_modules.
  const dir = join(REPO, 'test-artifacts', `${options.name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const write = (relative: string, content: string): void => {
    const file = join(dir, relative);
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
  };
  mkdirSync(join(dir, 'src'), { recursive: true });
  write('package.json', JSON.stringify({ name: 'fixture', private: true, type: 'module' }));
  write('src/slow.ts', SLOW_TS);
  write('src/main.ts', options.main(0));
  const port = await freePort();
  const cli = startCli(['run', '--log-format', 'json', 'src/main.ts'], { cwd: dir, env: { PORT: String(port) } });
  t.after(async () => {
    await cli.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });
  await cli.waitForLine('stdout', /listening v0/);

  let epoch = 0;
  let stopped = false;
  let requests = 0;
  let attempts = 0;
  let reused = 0;
  const errors: string[] = [];
  const stale: string[] = [];
  const seen = new Map<number, number>();
  /** Versions that answered on each kept-alive connection: more than one means the connection outlived its server's version. */
  const versionsBySocket = new Map<object, Set<number>>();
  const loop = async (client: number, agent: http.Agent | false): Promise<void> => {
    while (!stopped && attempts++ < MAX_REQUESTS) {
      const startedAfter = epoch;
      try {
        const answer = await request(port, '/', agent);
        requests++;
        if (answer.reused) reused++;
        const version = /^v(\d+)$/.exec(answer.body)?.[1];
        if (answer.status !== 200 || version === undefined) {
          errors.push(`client ${client}: ${answer.status} ${answer.body}`);
          continue;
        }
        if (options.strict && Number(version) < startedAfter) stale.push(`client ${client}: v${version} for a request sent after edit ${startedAfter} committed`);
        seen.set(client, Number(version));
        if (agent) versionsBySocket.set(answer.socket, (versionsBySocket.get(answer.socket) ?? new Set()).add(Number(version)));
      } catch (error) {
        errors.push(`client ${client}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      // Pace (not a wait for anything): steady load without starving the other test files on a 2-core machine.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const agents = Array.from({ length: KEEP_ALIVE_CLIENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const loops = [...agents.map((agent, i) => loop(i, agent)), ...Array.from({ length: NEW_CONNECTION_CLIENTS }, (_, i) => loop(KEEP_ALIVE_CLIENTS + i, false))];

  const slowAt = Math.ceil(options.edits / 2);
  let slow: Promise<{ status: number; body: string }> | undefined;
  const slowAgent = new http.Agent({ keepAlive: true });
  let catchUpMs = 0;
  try {
    await runEdits();
  } finally {
    // A failed assertion must not leave the loops running.
    stopped = true;
    await Promise.all(loops);
    for (const agent of [...agents, slowAgent]) agent.destroy();
  }
  async function runEdits(): Promise<void> {
    for (let v = 1; v <= options.edits; v++) {
      if (v === slowAt) {
        const mark = cli.stdout.length;
        slow = request(port, '/slow', slowAgent);
        slow.catch(() => {});
        await cli.waitForLine('stdout', (l) => l === `slow started v${v - 1}`, 30_000, mark);
      }
      const mark = cli.stderr.length;
      write('src/main.ts', options.main(v));
      await cli.waitForReload((e) => e['status'] === 'committed', mark);
      const committedAt = performance.now();
      epoch = v;
      if (options.strict) assert.equal((await request(port, '/', false)).body, `v${v}`, `edit ${v} serves on a new connection`);
      else await waitFor(async () => (await request(port, '/', false)).body === `v${v}`, 20_000, `edit ${v} to serve`);
      if (v === slowAt) {
        await request(port, '/release-slow', false);
        const answer = await (slow as Promise<{ status: number; body: string }>);
        assert.deepEqual({ status: answer.status, body: answer.body }, { status: 200, body: `slow v${v - 1}` }, 'the slow request spanning the edit finished on its old version');
      }
      if (v === options.edits) {
        await waitFor(() => agents.every((_, i) => seen.get(i) === v), 20_000, 'keep-alive clients on the newest code');
        catchUpMs = performance.now() - committedAt;
      }
    }
  }

  const spanning = [...versionsBySocket.values()].filter((versions) => versions.size > 1).length;
  t.diagnostic(`${options.name}: ${options.edits} edits, ${requests} requests (${reused} on kept-alive connections, ${spanning} of ${versionsBySocket.size} connections answered by several versions), keep-alive clients on the last edit ${catchUpMs.toFixed(0)} ms after its commit was reported`);
  assert.deepEqual(errors, [], 'no refused, reset or failed request');
  assert.deepEqual(stale, [], 'no request sent after a commit was answered by an older version');
  assert.ok(reused > 0, 'the keep-alive clients did reuse connections');
  assert.ok(spanning > 0, 'a kept-alive connection was served by a newer version after an edit (not closed and reopened)');
  assert.equal(cli.stderr.filter((l) => l.includes('EADDRINUSE')).length, 0, 'no EADDRINUSE');
  assert.equal(listeningSockets(cli.child.pid as number, port), 1, 'one listening socket at the end');
  // The clients are gone: every handed-over server drained, so no replaced version of the entry may stay reachable.
  await waitFor(async () => {
    const status = await runCli(['status', '--json', '--gc'], dir);
    const leaks = (JSON.parse(status.stdout) as { leaks: { versions: { module: string }[] } }).leaks;
    return leaks.versions.filter((v) => v.module === 'src/main.ts').length === 0;
  }, 30_000, 'the replaced versions of the entry to be collected');
}
