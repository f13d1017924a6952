/**
 * `GET /metrics` in the Prometheus text exposition format (version 0.0.4).
 * Phase durations are a summary: quantiles over the recent reloads the feed
 * keeps, `_sum`/`_count` over the life of the process, in seconds.
 */
import type { EventFeed } from './event-feed.ts';
import { PHASES } from './phase-samples.ts';
import { statsSnapshot, statusSnapshot } from './snapshots.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(feed: EventFeed): string {
  const stats = statsSnapshot(feed);
  const status = statusSnapshot(feed);
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [labels: string, value: number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${formatValue(value)}`);
  };
  metric('hotswap_reloads_total', 'counter', 'Reload transactions by result.', [
    ['{result="committed"}', stats.succeeded],
    ['{result="failed"}', stats.failed],
    ['{result="skipped"}', stats.skipped],
  ]);
  metric('hotswap_modules', 'gauge', 'Project modules in the registry.', [['', stats.modules]]);
  metric('hotswap_module_versions_alive', 'gauge', 'Module versions not yet garbage-collected (current and replaced).', [['', stats.versions.alive]]);
  metric('hotswap_module_versions_collected_total', 'counter', 'Replaced module versions garbage-collected.', [['', stats.versions.collected]]);
  metric('hotswap_transform_cache_lookups_total', 'counter', 'Transform cache lookups by result.', [
    ['{result="memory_hit"}', stats.cache.memoryHits],
    ['{result="disk_hit"}', stats.cache.diskHits],
    ['{result="miss"}', stats.cache.misses],
  ]);
  metric('hotswap_state', 'gauge', 'Current state (1 for the state the process is in).', (['running', 'reloading', 'degraded'] as const).map((s) => [`{state="${s}"}`, status.state === s ? 1 : 0]));
  metric('hotswap_enabled', 'gauge', 'Whether hot reload is on (HOTSWAP_ENABLED).', [['', status.enabled ? 1 : 0]]);
  metric('hotswap_uptime_seconds', 'gauge', 'Seconds since the process started.', [['', status.uptime]]);

  out.push('# HELP hotswap_reload_phase_seconds Duration of each phase of committed reloads.', '# TYPE hotswap_reload_phase_seconds summary');
  for (const phase of PHASES) {
    const summary = stats.phases[phase];
    const totals = feed.samples.totals.get(phase) ?? { sum: 0, count: 0 };
    out.push(`hotswap_reload_phase_seconds{phase="${phase}",quantile="0.5"} ${formatValue(summary.p50 / 1000)}`);
    out.push(`hotswap_reload_phase_seconds{phase="${phase}",quantile="0.95"} ${formatValue(summary.p95 / 1000)}`);
    out.push(`hotswap_reload_phase_seconds_sum{phase="${phase}"} ${formatValue(totals.sum / 1000)}`);
    out.push(`hotswap_reload_phase_seconds_count{phase="${phase}"} ${totals.count}`);
  }
  return `${out.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e9) / 1e9);
}
