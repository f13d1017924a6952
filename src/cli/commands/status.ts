/** `hotswap status [--json]`: state, counters, timings and the current error of the running process. */
import type { LeaksSnapshot } from '../../control/leaks-snapshot.ts';
import type { StatsSnapshot, StatusSnapshot } from '../../control/snapshots.ts';
import { ago, clientFor, color, compact, duration, errorLines, ms, print } from './format.ts';
import { pluginTable } from './plugin-table.ts';

export interface StatusFlags {
  json?: boolean;
  /** Collect garbage in the process first, for a precise list of versions not collected. */
  gc?: boolean;
  cwd?: string;
}

/** One line per version not collected and per resource still alive, with where the resource was created. */
function leakLines(leaks: LeaksSnapshot): string[] {
  const lines: string[] = [];
  for (const v of leaks.versions) {
    lines.push(`  leak      ${v.module}@v${v.version} still reachable ${duration(v.replacedForMs / 1000)} after it was replaced${leaks.collected ? '' : ' (no GC yet: --gc to be sure)'}`);
  }
  for (const r of leaks.resources) {
    const where = r.stack?.split('\n')[0]?.replace(/^at /, '') ?? 'unknown';
    lines.push(`  leak      ${r.label} of ${r.module}@v${r.version} alive ${duration(r.releasedForMs / 1000)} after its release (created ${where})`);
  }
  return lines;
}

const DOT = { running: color('green', '●'), reloading: color('yellow', '●'), degraded: color('red', '●'), fatal: color('red', '✗') } as const;

export async function statusCommand(flags: StatusFlags): Promise<void> {
  const client = clientFor(flags);
  const [status, stats, leaks] = await Promise.all([
    client.request<StatusSnapshot>('GET', '/api/status'),
    client.request<StatsSnapshot>('GET', '/api/stats'),
    client.request<LeaksSnapshot>('GET', `/api/leaks${flags.gc ? '?gc=1' : ''}`),
  ]);
  if (flags.json) {
    print(JSON.stringify({ url: client.info.url, status, stats, leaks }, null, 2));
    return;
  }
  print(`${DOT[status.state]} ${color('bold', status.state)}${status.enabled ? '' : ' (hot reload off)'}  pid ${status.pid} · up ${duration(status.uptime)} · ${client.info.url}`);
  print(`  project   ${status.project}`);
  print(`  reloads   ${stats.reloads} (${stats.succeeded} committed, ${stats.failed} failed, ${stats.skipped} skipped) · ${stats.modules} modules · cache hit ${Math.round(stats.cache.hitRate * 100)}%`);
  if (stats.phases.total.count > 0) {
    const p = stats.phases;
    print(`  timings   total p50 ${ms(p.total.p50)} · p95 ${ms(p.total.p95)}  (stage p50 ${ms(p.stage.p50)}, last ${p.total.count} reloads)`);
  }
  const last = status.lastReload;
  if (last) {
    const what = last.files.join(', ') || '(all)';
    print(`  last      #${last.id} ${last.status} ${what}${last.total ? ` ${ms(last.total)}` : ''} (${ago(last.startedAt)})`);
  }
  for (const [name, value] of Object.entries(stats.providers)) {
    const table = pluginTable(value);
    if (table) table.forEach((line, i) => print(`  ${(i === 0 ? name : '').padEnd(9)} ${line}`));
    else print(`  ${name.padEnd(9)} ${compact(value)}`);
  }
  for (const problem of status.problems) print(color('red', `  problem   ${problem}`));
  for (const line of leakLines(leaks)) print(color('yellow', line));
  if (status.error) {
    print();
    for (const line of errorLines(status.error)) print(line);
  }
}
