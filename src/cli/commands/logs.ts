/** `hotswap logs [--follow]`: recent events of the running process, then (with --follow) live ones. */
import type { SerializedError } from '../../errors.ts';
import type { FeedEvent } from '../../control/event-feed.ts';
import { clientFor, clock, color, compact, errorLines, ms, print } from './format.ts';

export interface LogsFlags {
  follow?: boolean;
  limit?: number | string;
  json?: boolean;
  cwd?: string;
}

export async function logsCommand(flags: LogsFlags): Promise<void> {
  const client = clientFor(flags);
  const limit = Math.max(0, Math.min(1000, Number(flags.limit ?? 50) || 0));
  const { events, lastSeq: latest } = await client.request<{ events: FeedEvent[]; lastSeq: number }>('GET', `/api/events/recent?limit=${limit}`);
  let lastSeq = 0;
  const show = (event: FeedEvent): void => {
    if (event.seq <= lastSeq) return;
    lastSeq = event.seq;
    if (flags.json) print(JSON.stringify(event));
    else for (const line of formatEvent(event)) print(line);
  };
  for (const event of events) show(event);
  if (!flags.follow) return;
  lastSeq = Math.max(lastSeq, latest);

  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // from the newest event we know of: nothing between the listing and the stream is lost
    await client.stream(
      (message) => {
        if (message.event === 'hello') {
          process.stderr.write(`[hotswap] following events of pid ${client.info.pid} at ${client.info.url} (Ctrl-C to stop)\n`);
          return;
        }
        const data = message.data as Record<string, unknown> & { seq?: number; at?: number };
        if (message.id === undefined || typeof data.seq !== 'number') return; // status/stats snapshots
        const { seq, at, ...rest } = data;
        show({ seq, type: message.event, at: at ?? Date.now(), data: rest });
      },
      { signal: abort.signal, afterSeq: lastSeq },
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (!abort.signal.aborted) print(color('gray', `${clock(Date.now())} the process stopped`));
}

export function formatEvent(event: FeedEvent): string[] {
  const time = color('gray', clock(event.at));
  const d = event.data as Record<string, unknown>;
  const files = ((d['files'] as string[] | undefined) ?? []).join(', ') || '(all)';
  const timings = d['timings'] as { stage: number; validate: number; commit: number; dispose: number; total: number } | undefined;
  const phases = timings ? color('gray', ` ${ms(timings.total)} (stage ${ms(timings.stage)} · validate ${ms(timings.validate)} · commit ${ms(timings.commit)} · dispose ${ms(timings.dispose)})`) : '';
  switch (event.type) {
    case 'reload:start':
      return [`${time} ${color('yellow', '…')} reload #${String(d['id'])} started: ${files}`];
    case 'reload:committed': {
      const updated = ((d['updated'] as { path: string; version: number }[] | undefined) ?? []).map((u) => `${u.path}@v${u.version}`).join(', ');
      return [`${time} ${color('green', '↻')} reload #${String(d['id'])} committed: ${updated || '(nothing new)'}${phases}`];
    }
    case 'reload:failed':
      return [`${time} ${color('red', '✗')} reload #${String(d['id'])} failed: ${files}${phases}`, ...errorLines(d['error'] as SerializedError, '           ')];
    case 'reload:skipped':
      return [`${time} ${color('gray', `· reload #${String(d['id'])} skipped (${String(d['reason'])}): ${files}`)}`];
    case 'reload:declined':
      return [`${time} ${color('yellow', '!')} reload #${String(d['id'])} declined by ${String(d['module'])}: restart to apply ${files}`];
    case 'file': {
      const parts = (['changed', 'added', 'removed'] as const).flatMap((k) => ((d[k] as string[] | undefined) ?? []).map((f) => `${k} ${f}`));
      return [`${time} ${color('gray', `· ${parts.join(', ')}`)}`];
    }
    case 'error':
      return [`${time} ${color('red', '✗')} error`, ...errorLines(d['error'] as SerializedError, '           ')];
    default: {
      // provider events (the plugin host's) carry their own one-line text
      const detail = d['detail'] as { text?: unknown } | undefined;
      if (typeof detail?.text === 'string') return [`${time} ${color('cyan', '◆')} ${detail.text}`];
      return [`${time} ${color('cyan', event.type)} ${compact(detail ?? d)}`];
    }
  }
}
