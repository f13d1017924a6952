/** `hotswap status [--json]`: state, counters, timings and the current error of the running process. */
import type { StatsSnapshot, StatusSnapshot } from '../../control/snapshots.ts';
import { ago, clientFor, color, duration, errorLines, ms, print } from './format.ts';

export interface StatusFlags {
  json?: boolean;
  cwd?: string;
}

const DOT = { running: color('green', '●'), reloading: color('yellow', '●'), degraded: color('red', '●'), fatal: color('red', '✗') } as const;

export async function statusCommand(flags: StatusFlags): Promise<void> {
  const client = clientFor(flags);
  const [status, stats] = await Promise.all([client.request<StatusSnapshot>('GET', '/api/status'), client.request<StatsSnapshot>('GET', '/api/stats')]);
  if (flags.json) {
    print(JSON.stringify({ url: client.info.url, status, stats }, null, 2));
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
  for (const [name, value] of Object.entries(stats.providers)) print(`  ${name.padEnd(9)} ${JSON.stringify(value)}`);
  for (const problem of status.problems) print(color('red', `  problem   ${problem}`));
  if (status.error) {
    print();
    for (const line of errorLines(status.error)) print(line);
  }
}
