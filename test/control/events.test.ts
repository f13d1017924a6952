/**
 * The event stream and the read endpoints over a real runtime in a temp dir,
 * driven by `runtime.reload([file])`: no watcher, no timers, no sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderDot, renderTree } from '../../src/cli/commands/graph.ts';
import type { GraphSnapshot, ModuleSnapshot, StatsSnapshot, StatusSnapshot } from '../../src/control/snapshots.ts';
import { registerControlProvider } from '../../src/control/providers.ts';
import { inProcess, sseReader, writeFiles, type InProcess } from './helpers.ts';

const GOOD = (n: number): string => `export function value(): string {\n  return 'v${n}';\n}\n`;
const BROKEN = "export function value(): string {\n  return 'v3'\n  const = ;\n}\n";

describe('event stream', () => {
  let ctx: InProcess;
  before(async () => {
    ctx = await inProcess();
  });
  after(() => ctx.close());

  test('delivers reload started/committed/failed in order, with phase timings and the code frame', async () => {
    const response = await ctx.request('/api/events');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const stream = sseReader(response);
    const hello = await stream.next();
    assert.equal(hello.event, 'hello', 'the first message is a snapshot to draw from');
    assert.equal((hello.data['status'] as StatusSnapshot).state, 'running');
    assert.equal((hello.data['stats'] as StatsSnapshot).modules, 2);

    // edit → commit, break → fail, fix → commit
    const outcomes: string[] = [];
    for (const content of [GOOD(2), BROKEN, GOOD(4)]) {
      writeFiles(ctx.dir, { 'dep.ts': content });
      outcomes.push((await ctx.runtime.reload(['dep.ts'])).status);
    }
    assert.deepEqual(outcomes, ['committed', 'failed', 'committed']);

    const reloadEvents = [];
    while (reloadEvents.length < 6) reloadEvents.push(await stream.next((m) => m.event.startsWith('reload:')));
    assert.deepEqual(
      reloadEvents.map((m) => `${m.event}#${String(m.data['id'])}`),
      ['reload:start#1', 'reload:committed#1', 'reload:start#2', 'reload:failed#2', 'reload:start#3', 'reload:committed#3'],
    );
    const seqs = reloadEvents.map((m) => Number(m.id));
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'SSE ids increase');

    const committed = reloadEvents[1]?.data as { files: string[]; updated: { path: string; version: number }[]; timings: Record<string, number> };
    assert.deepEqual(committed.files, ['dep.ts'], 'paths are project-relative');
    assert.deepEqual(committed.updated, [{ path: 'dep.ts', version: 2 }]);
    for (const phase of ['stage', 'validate', 'commit', 'dispose', 'total']) assert.equal(typeof committed.timings[phase], 'number', phase);

    const failed = reloadEvents[3]?.data as { error: { code: string; text: string; frame: string; location: { file: string; line: number } }; timings: { total: number } };
    assert.equal(failed.error.code, 'HS_SYNTAX');
    assert.equal(failed.error.location.file, 'dep.ts');
    assert.equal(failed.error.location.line, 3);
    assert.match(failed.error.frame, /^> 3 \|\s+const = ;$/m, 'the code frame marks the broken line');
    assert.equal(typeof failed.timings.total, 'number');

    // each reload event is followed by a status snapshot (and the end of a reload by stats): read up to the last one
    await stream.next((m) => m.event === 'stats');
    // reloading → running → reloading → degraded → reloading → running
    const states = stream.all.filter((m) => m.event === 'status').map((m) => (m.data as unknown as StatusSnapshot).state);
    assert.deepEqual(states, ['reloading', 'running', 'reloading', 'degraded', 'reloading', 'running']);
    const lastStats = stream.all.filter((m) => m.event === 'stats').at(-1)?.data as unknown as StatsSnapshot;
    assert.equal(lastStats.succeeded, 2);
    assert.equal(lastStats.failed, 1);
    await stream.cancel();
  });

  test('a reconnecting client gets what it missed after Last-Event-ID', async () => {
    const recent = (await (await ctx.request('/api/events/recent')).json()) as { events: { seq: number; type: string }[] };
    const failedSeq = recent.events.find((e) => e.type === 'reload:failed')?.seq;
    assert.ok(failedSeq);
    const stream = sseReader(await ctx.request('/api/events', { headers: { 'last-event-id': String(failedSeq) } }));
    assert.equal((await stream.next()).event, 'hello');
    const replayed = await stream.next((m) => m.event.startsWith('reload:'));
    assert.equal(replayed.event, 'reload:start');
    assert.equal(replayed.data['id'], 3);
    await stream.cancel();
  });

  test('status and modules reflect a failed reload until the next commit', async () => {
    writeFiles(ctx.dir, { 'dep.ts': BROKEN });
    await ctx.runtime.reload(['dep.ts']);
    let status = (await (await ctx.request('/api/status')).json()) as StatusSnapshot;
    assert.equal(status.state, 'degraded');
    assert.equal(status.error?.code, 'HS_SYNTAX');
    assert.match(status.problems[0] ?? '', /reload #4 failed/);
    assert.equal(status.lastReload?.status, 'failed');

    writeFiles(ctx.dir, { 'dep.ts': GOOD(5) });
    await ctx.runtime.reload(['dep.ts']);
    status = (await (await ctx.request('/api/status')).json()) as StatusSnapshot;
    assert.equal(status.state, 'running');
    assert.equal(status.error, null);
    assert.deepEqual(status.lastReload?.updated, ['dep.ts']);
  });

  test('/api/modules and /api/graph: paths, versions, edges and what changed last', async () => {
    const { modules } = (await (await ctx.request('/api/modules')).json()) as { modules: ModuleSnapshot[] };
    const dep = modules.find((m) => m.path === 'dep.ts');
    assert.ok(dep);
    assert.deepEqual(dep.importers, ['main.ts']);
    assert.ok(typeof dep.version === 'number' && dep.version > 1, 'a new version after the reloads');
    assert.equal(typeof dep.lastReloadAt, 'number');
    const graph = (await (await ctx.request('/api/graph')).json()) as GraphSnapshot;
    assert.deepEqual(graph.edges, [{ from: 'main.ts', to: 'dep.ts' }]);
    assert.equal(graph.nodes.find((n) => n.id === 'dep.ts')?.changed, true);
    assert.equal(graph.nodes.find((n) => n.id === 'main.ts')?.changed, false);
    assert.equal(renderTree(graph), `main.ts v1\n└── dep.ts v${dep.version} ← changed`);
    assert.match(renderDot(graph), /"main.ts" -> "dep.ts";/);
  });

  test('/api/stats percentiles and /metrics in Prometheus text format', async () => {
    const stats = (await (await ctx.request('/api/stats')).json()) as StatsSnapshot;
    assert.equal(stats.phases.total.count, stats.succeeded);
    assert.ok(stats.phases.total.p95 >= stats.phases.total.p50);
    const response = await ctx.request('/metrics');
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, new RegExp(`^hotswap_reloads_total\\{result="committed"\\} ${stats.succeeded}$`, 'm'));
    assert.match(text, new RegExp(`^hotswap_reloads_total\\{result="failed"\\} ${stats.failed}$`, 'm'));
    assert.match(text, /^# TYPE hotswap_reload_phase_seconds summary$/m);
    assert.match(text, /^hotswap_reload_phase_seconds\{phase="total",quantile="0.95"\} [\d.e-]+$/m);
    assert.match(text, /^hotswap_state\{state="running"\} 1$/m);
    // every sample line is `name{labels} number`
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) assert.match(line, /^[a-z_]+(\{[^}]*\})? -?[\d.e+-]+$/, line);
  });

  test('a registered provider (the plugin host) shows in stats and its events on the stream', async () => {
    const stream = sseReader(await ctx.request('/api/events'));
    await stream.next((m) => m.event === 'hello');
    let emit: (type: string, data: unknown) => void = () => {};
    const dispose = registerControlProvider({
      name: 'plugins',
      stats: () => ({ plugins: 2, tools: 5 }),
      subscribe(e) {
        emit = e;
        return () => (emit = () => {});
      },
    });
    try {
      emit('reload', { plugin: 'search', version: 2 });
      const event = await stream.next((m) => m.event === 'plugins:reload');
      assert.deepEqual(event.data['detail'], { plugin: 'search', version: 2 });
      const stats = await stream.next((m) => m.event === 'stats');
      assert.deepEqual((stats.data as unknown as StatsSnapshot).providers, { plugins: { plugins: 2, tools: 5 } });
    } finally {
      dispose();
      await stream.cancel();
    }
    const stats = (await (await ctx.request('/api/stats')).json()) as StatsSnapshot;
    assert.deepEqual(stats.providers, {});
  });
});
