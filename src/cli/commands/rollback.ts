/**
 * `hotswap rollback [<version> | <module>@<n>] [--reason text] [--json]`: no
 * argument lists the rollback points; with one, the running process restores
 * that source (validated like any reload) and writes it to disk atomically.
 */
import { userInfo } from 'node:os';
import type { SerializedError } from '../../errors.ts';
import { clientFor, color, errorLines, print } from './format.ts';
import { versionLines, type ShownVersion } from './version-lines.ts';

export interface RollbackFlags {
  reason?: string;
  module?: string;
  json?: boolean;
  cwd?: string;
}

export interface OutcomeResponse {
  outcome: { status: 'dry-run' | 'committed' | 'failed' | 'skipped'; module: string; version: ShownVersion | null; error: SerializedError | null };
}

export async function rollbackCommand(target: string | undefined, flags: RollbackFlags): Promise<void> {
  const client = clientFor(flags);
  if (target === undefined) {
    const query = flags.module ? `?module=${encodeURIComponent(flags.module)}` : '';
    const { points } = await client.request<{ points: ShownVersion[] }>('GET', `/api/rollback-points${query}`);
    if (flags.json) return print(JSON.stringify(points, null, 2));
    if (points.length === 0) print('no rollback points recorded yet');
    for (const row of points) for (const line of versionLines(row)) print(line);
    print(color('gray', 'roll back with: hotswap rollback <#id> or <module>@<n>'));
    return;
  }
  const { outcome } = await client.request<OutcomeResponse>('POST', '/api/rollback', { target: /^#?\d+$/.test(target) ? Number(target.replace('#', '')) : target, ...(flags.reason ? { reason: flags.reason } : {}), user: safeUser() });
  if (flags.json) print(JSON.stringify(outcome, null, 2));
  else printOutcome('rollback', outcome);
  if (outcome.status === 'failed') process.exitCode = 1;
}

export function printOutcome(what: string, outcome: OutcomeResponse['outcome']): void {
  if (outcome.status === 'failed') {
    print(`${color('red', '✗')} ${what} of ${outcome.module} failed: the file and the running code are unchanged`);
    if (outcome.error) for (const line of errorLines(outcome.error)) print(line);
    return;
  }
  if (outcome.status === 'skipped') {
    print(`${color('gray', '·')} ${outcome.module} already runs that source: nothing to reload${outcome.version ? '' : ''}`);
    return;
  }
  print(`${color('green', '↻')} ${what} committed: ${outcome.module}${outcome.version ? `@${outcome.version.seq} (#${outcome.version.id})` : ''}`);
  if (outcome.version) for (const line of versionLines(outcome.version)) print(line);
}

export function safeUser(): string | undefined {
  try {
    return `cli ${userInfo().username}`;
  } catch {
    return undefined;
  }
}
