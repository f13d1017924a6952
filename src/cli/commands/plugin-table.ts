/** `hotswap status`: the plugin host's stats as a table, one plugin a row, errors on one line each. */
import type { PluginStats } from '../../plugins/plugin-record.ts';
import { color } from './format.ts';

const HEAD = ['plugin', 'version', 'status', 'calls', 'errors', 'reloads', 'failures', 'registers'] as const;

/** Lines of the table, or undefined when `value` is not the plugin host's stats. */
export function pluginTable(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every(isPluginStats)) return undefined;
  if (value.length === 0) return ['(no plugins)'];
  const rows = value.map((p) => [
    p.name,
    p.version === undefined ? '-' : `v${p.version}`,
    p.status + (p.draining.length > 0 ? ` (+${p.draining.length} draining)` : ''),
    String(p.calls),
    String(p.errors),
    String(p.reloads),
    String(p.failures),
    registers(p),
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  const out = [color('gray', line(HEAD)), ...rows.map(line)];
  for (const p of value) {
    if (p.lastError && (p.status === 'failed' || p.failures > 0)) {
      const text = p.lastError.text.split('\n')[0] ?? '';
      out.push(color(p.status === 'failed' ? 'red' : 'gray', `${p.name}: last failure in ${p.lastError.phase}: ${p.lastError.code} ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`));
    }
  }
  return out;
}

function registers(p: PluginStats): string {
  const r = p.registrations;
  const parts = [...r.tools.map((t) => `tool ${t}`), ...r.commands.map((c) => `/${c}`), ...r.routes, ...r.hooks.map((h) => `hook ${h}`)];
  return parts.join(', ') || '-';
}

function isPluginStats(value: unknown): value is PluginStats {
  const v = value as Partial<PluginStats> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.status === 'string' && typeof v.registrations === 'object' && Array.isArray(v.draining);
}
