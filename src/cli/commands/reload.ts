/** `hotswap reload [file] [--module path]`: reload in the running process and print the outcome. Exit 1 if it failed. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ERROR_CODES, HotswapError, isHotswapError, type SerializedError } from '../../errors.ts';
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
  const path = file === undefined ? undefined : isAbsolute(file) ? file : resolve(process.cwd(), file);
  if (path !== undefined && !existsSync(path)) {
    throw new HotswapError(ERROR_CODES.FILE_NOT_FOUND, `${file} not found (looked for ${path})`, { hint: 'Check the path: it is relative to the current directory. "hotswap graph" lists the loaded modules.' });
  }
  const everything = path === undefined && flags.module === undefined;
  const body = path !== undefined ? { file: path } : flags.module !== undefined ? { module: flags.module } : {};
  const { result } = await client.request<ReloadResponse>('POST', '/api/reload', body).catch((error: unknown) => {
    // The server's hint names its HTTP route; on the command line the list comes from `hotswap graph`.
    if (isHotswapError(error) && error.code === ERROR_CODES.CONTROL_NOT_FOUND && flags.module !== undefined) {
      throw new HotswapError(ERROR_CODES.CONTROL_NOT_FOUND, `No loaded module ${flags.module}`, { hint: 'Run "hotswap graph" for the loaded modules (paths relative to the project), and pass one of them to --module.' });
    }
    throw error;
  });
  if (flags.json) print(JSON.stringify(result, null, 2));
  else if (result.status === 'committed') {
    const updated = (result.updated ?? []).map((u) => `${u.path}@v${u.version}`);
    const rerun = result.rerun?.length ? `; re-ran ${result.rerun.map((r) => r.path).join(', ')} (state reset: not kept in import.meta.hot.data)` : '';
    if (everything) {
      // Re-running every module wipes every in-memory Map, cache and counter: say so.
      print(`${color('green', '↻')} reload #${result.id} committed: re-ran every module (${updated.length}) ${color('gray', ms(result.timings?.total ?? 0))}`);
      for (const u of updated) print(`  ${u}`);
      print(color('yellow', `  state not kept in import.meta.hot.data was reset in each of them`));
    } else {
      print(`${color('green', '↻')} reload #${result.id} committed: ${updated.join(', ') || '(nothing new)'}${rerun} ${color('gray', ms(result.timings?.total ?? 0))}`);
      // --module re-runs it although its source did not change: its module state starts over
      if (flags.module !== undefined) print(color('yellow', `  ${flags.module} re-ran: its state not kept in import.meta.hot.data was reset`));
    }
  } else if (result.status === 'failed') {
    // before the app's first start there is no good version: the status says which case this is
    const { problems } = await client.request<{ problems: string[] }>('GET', '/api/status').catch(() => ({ problems: [] as string[] }));
    const waiting = problems.some((p) => p.includes('has not started yet'));
    print(`${color('red', '✗')} reload #${result.id} failed; ${waiting ? 'the app has not started yet: it is waiting for a fix' : 'the last good version keeps serving'}`);
    if (result.error) for (const line of errorLines(result.error)) print(line);
  } else if (result.status === 'declined') {
    print(`${color('yellow', '!')} reload #${result.id} declined by ${result.module ?? '?'}: restart the process to apply it`);
  } else {
    print(`${color('gray', '·')} reload #${result.id} skipped (${result.reason === 'no-change' ? 'no change: the file is not loaded or has the same content' : (result.reason ?? '')})`);
  }
  if (result.status === 'failed' || result.status === 'declined') process.exitCode = 1;
}
