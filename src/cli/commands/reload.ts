/** `hotswap reload [file] [--module path]`: reload in the running process and print the outcome. Exit 1 if it failed. */
import { isAbsolute, resolve } from 'node:path';
import type { SerializedError } from '../../errors.ts';
import { clientFor, color, errorLines, ms, print } from './format.ts';

export interface ReloadFlags {
  module?: string;
  json?: boolean;
  cwd?: string;
}

interface ReloadResponse {
  result: {
    id: number;
    status: 'committed' | 'failed' | 'skipped' | 'declined';
    files: string[];
    updated?: { path: string; version: number }[];
    rerun?: { path: string; reason: string }[];
    timings?: { total: number };
    error?: SerializedError;
    reason?: string;
    module?: string;
  };
}

export async function reloadCommand(file: string | undefined, flags: ReloadFlags): Promise<void> {
  const client = clientFor(flags);
  // A file argument is relative to where the user stands; the server resolves against the project.
  const body = file !== undefined ? { file: isAbsolute(file) ? file : resolve(process.cwd(), file) } : flags.module !== undefined ? { module: flags.module } : {};
  const { result } = await client.request<ReloadResponse>('POST', '/api/reload', body);
  if (flags.json) print(JSON.stringify(result, null, 2));
  else if (result.status === 'committed') {
    const updated = (result.updated ?? []).map((u) => `${u.path}@v${u.version}`).join(', ');
    const rerun = result.rerun?.length ? `; re-ran ${result.rerun.map((r) => r.path).join(', ')}` : '';
    print(`${color('green', '↻')} reload #${result.id} committed: ${updated || '(nothing new)'}${rerun} ${color('gray', ms(result.timings?.total ?? 0))}`);
  } else if (result.status === 'failed') {
    print(`${color('red', '✗')} reload #${result.id} failed; the last good version keeps serving`);
    if (result.error) for (const line of errorLines(result.error)) print(line);
  } else if (result.status === 'declined') {
    print(`${color('yellow', '!')} reload #${result.id} declined by ${result.module ?? '?'}: restart the process to apply it`);
  } else {
    print(`${color('gray', '·')} reload #${result.id} skipped (${result.reason === 'no-change' ? 'no change: the file is not loaded or has the same content' : (result.reason ?? '')})`);
  }
  if (result.status === 'failed' || result.status === 'declined') process.exitCode = 1;
}
