/**
 * `GET /api/events`: Server-Sent Events. A client first gets `hello` (status
 * and stats, so it can draw at once), then the events after `Last-Event-ID`
 * if it reconnects, then live events. Each `reload:*` event is followed by
 * fresh `status` (and, when a reload ends, `stats`) snapshots, so a client
 * never polls. Auth is the bearer header like every other route: browsers
 * read the stream with `fetch` (EventSource cannot send headers, and a token
 * in the URL would end up in logs and history).
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { EVENT_TYPES, type EventFeed, type FeedEvent } from './event-feed.ts';
import { statsSnapshot, statusSnapshot } from './snapshots.ts';

export interface StreamOptions {
  heartbeatMs: number;
  /** Replay kept events with a larger seq first (from `Last-Event-ID`). */
  after: number | undefined;
}

const ENDS_RELOAD = new Set<string>([EVENT_TYPES.RELOAD_COMMITTED, EVENT_TYPES.RELOAD_FAILED, EVENT_TYPES.RELOAD_DECLINED, EVENT_TYPES.RELOAD_SKIPPED]);

export function streamEvents(c: Context, feed: EventFeed, options: StreamOptions): Response {
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    // Writes are chained so events go out in order even though each write is async.
    let chain: Promise<void> = Promise.resolve();
    const send = (event: string, data: unknown, id?: number): void => {
      if (stream.aborted || stream.closed) return;
      chain = chain.then(() => stream.writeSSE({ event, data: JSON.stringify(data), ...(id === undefined ? {} : { id: String(id) }) })).catch(() => stream.abort());
    };
    const sendEvent = (event: FeedEvent): void => {
      send(event.type, { ...event.data, at: event.at, seq: event.seq }, event.seq);
      if (event.type === EVENT_TYPES.RELOAD_START || ENDS_RELOAD.has(event.type)) send('status', statusSnapshot(feed));
      if (ENDS_RELOAD.has(event.type) || (event.type.includes(':') && !event.type.startsWith('reload:'))) send('stats', statsSnapshot(feed));
    };

    // No await between the replay and subscribe(): no event can fall between them (events are emitted synchronously).
    const replay = options.after === undefined ? [] : feed.recent(options.after);
    send('hello', { status: statusSnapshot(feed), stats: statsSnapshot(feed), lastSeq: feed.lastSeq });
    for (const event of replay) sendEvent(event);
    const unsubscribe = feed.subscribe(sendEvent);

    const heartbeat = setInterval(() => {
      chain = chain.then(() => stream.write(': keep-alive\n\n')).catch(() => stream.abort()) as Promise<void>;
    }, options.heartbeatMs);
    heartbeat.unref();
    await waitForAbort(stream);
    clearInterval(heartbeat);
    unsubscribe();
  });
}

function waitForAbort(stream: SSEStreamingApi): Promise<void> {
  return new Promise((resolve) => {
    if (stream.aborted) return resolve();
    stream.onAbort(() => resolve());
  });
}
