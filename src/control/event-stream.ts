/**
 * `GET /api/events`: Server-Sent Events. A client first gets `hello` (status
 * and stats, so it can draw at once), then the events after `Last-Event-ID`
 * if it reconnects, then live events. Each `reload:*` event is followed by
 * fresh `status` (and, when a reload ends, `stats`) snapshots, so a client
 * never polls. Auth is the bearer header like every other route: browsers
 * read the stream with `fetch` (EventSource cannot send headers, and a token
 * in the URL would end up in logs and history).
 *
 * A reader that does not keep up is disconnected, never buffered for: each
 * stream may have `maxQueuedBytes` written but not yet taken by the socket;
 * past that the connection is closed, and the client reconnects with
 * `Last-Event-ID` to get the kept events it missed.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { EVENT_TYPES, type EventFeed, type FeedEvent } from './event-feed.ts';
import { statsSnapshot, statusSnapshot } from './snapshots.ts';

export interface StreamOptions {
  heartbeatMs: number;
  /** Replay kept events with a larger seq first (from `Last-Event-ID`). */
  after: number | undefined;
  /** Bytes a stream may have queued for a slow reader before it is disconnected. @default 1 MiB */
  maxQueuedBytes?: number;
}

const ENDS_RELOAD = new Set<string>([EVENT_TYPES.RELOAD_COMMITTED, EVENT_TYPES.RELOAD_FAILED, EVENT_TYPES.RELOAD_DECLINED, EVENT_TYPES.RELOAD_SKIPPED]);

export function streamEvents(c: Context, feed: EventFeed, options: StreamOptions): Response {
  c.header('X-Accel-Buffering', 'no');
  const maxQueued = options.maxQueuedBytes ?? 1024 * 1024;
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  return streamSSE(c, async (stream) => {
    // Writes are chained so events go out in order even though each write is async.
    let chain: Promise<void> = Promise.resolve();
    let queued = 0;
    const disconnect = (): void => {
      stream.abort();
      // The socket may be stuck waiting for a drain that never comes: end it, so nothing stays queued.
      outgoing?.destroy();
    };
    const enqueue = (text: string, write: () => Promise<unknown>): void => {
      if (stream.aborted || stream.closed) return;
      const bytes = Buffer.byteLength(text) + 64;
      if (queued + bytes > maxQueued) return disconnect();
      queued += bytes;
      chain = chain
        .then(write)
        .then(() => {
          queued -= bytes;
        })
        .catch(() => stream.abort());
    };
    const send = (event: string, data: unknown, id?: number): void => {
      const text = JSON.stringify(data);
      enqueue(text, () => stream.writeSSE({ event, data: text, ...(id === undefined ? {} : { id: String(id) }) }));
    };
    const sendEvent = (event: FeedEvent, replayed = false): void => {
      send(event.type, { ...event.data, at: event.at, seq: event.seq }, event.seq);
      // A replayed event is history: `hello` already carries the current status and stats.
      if (replayed) return;
      if (event.type === EVENT_TYPES.RELOAD_START || ENDS_RELOAD.has(event.type)) send('status', statusSnapshot(feed));
      if (ENDS_RELOAD.has(event.type) || (event.type.includes(':') && !event.type.startsWith('reload:'))) send('stats', statsSnapshot(feed));
    };

    // No await between the replay and subscribe(): no event can fall between them (events are emitted synchronously).
    // Half the queue at most, so a reconnect is never disconnected by its own replay (the client sees the gap in seq).
    const replay = options.after === undefined ? [] : feed.recent(options.after, undefined, maxQueued / 2);
    send('hello', { status: statusSnapshot(feed), stats: statsSnapshot(feed), lastSeq: feed.lastSeq });
    for (const event of replay) sendEvent(event, true);
    const unsubscribe = feed.subscribe((event) => sendEvent(event));

    const heartbeat = setInterval(() => enqueue('', () => stream.write(': keep-alive\n\n')), options.heartbeatMs);
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
