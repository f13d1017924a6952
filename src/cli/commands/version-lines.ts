/** How the version commands print a version row (history, rollback, apply). */
import type { VersionRow } from '../../versions/version-store.ts';
import { clock, color, ms, type Color } from './format.ts';

export type ShownVersion = VersionRow & { running?: boolean };

const STATE_COLOR: Record<VersionRow['state'], Color> = { probation: 'yellow', stable: 'green', 'rolled-back': 'red', superseded: 'gray', failed: 'red' };

export function versionLines(row: ShownVersion): string[] {
  const label = `${row.module}@${row.seq}`;
  const total = row.timings ? ms(row.timings.total) : '';
  const mark = row.running ? color('cyan', ' ← running') : '';
  const first = `#${String(row.id).padEnd(4)} ${label.padEnd(28)} ${row.trigger.padEnd(13)} ${color(STATE_COLOR[row.state], row.state.padEnd(11))} ${clock(row.createdAt)} ${total}${mark}`;
  const who = [row.caller ? `by ${row.caller}` : '', row.reason ? `“${row.reason}”` : ''].filter(Boolean).join(' ');
  const second = `      sha256 ${row.hash ?? '(no source)'}  parent ${row.parentId === null ? '-' : `#${row.parentId}`}${row.calls > 0 ? `  ${row.errors}/${row.calls} calls failed` : ''}${who ? `  ${who}` : ''}`;
  const lines = [first, color('gray', second)];
  if (row.error) lines.push(color('red', `      ${row.error.code}: ${row.error.text}`));
  return lines;
}

/** `4/10 (40%)` and the mean latency, for the before/after report. */
export function rateText(calls: { calls: number; errors: number; meanMs: number | null }): string {
  const rate = calls.calls > 0 ? `${calls.errors}/${calls.calls} failed (${Math.round((calls.errors / calls.calls) * 100)}%)` : 'no calls';
  return `${rate}${calls.meanMs === null ? '' : `, mean ${ms(calls.meanMs)}`}`;
}
