/**
 * A server whose listening socket passed to a newer version: it only
 * finishes its open connections, and hands every later request on a
 * kept-alive one to the newest server holding the socket.
 */
import net from 'node:net';

/** Events that take a socket away (forwarded only when the successor handles them, else Node treats them as requests). */
const SOCKET_EVENTS = ['upgrade', 'connect'] as const;

/** The servers that held one listening socket, one after another: handed-over servers forward to `current`, never to each other. */
export interface Lineage {
  current: net.Server;
}

/**
 * Requests arriving on the old server's kept-alive connections go to the
 * newest server of the lineage, as if they had arrived there (with Node's
 * defaults for `Expect:` when it has no handler of its own).
 */
export function forwardRequests(from: net.Server, lineage: Lineage): void {
  from.on('request', (req: unknown, res: unknown) => lineage.current.emit('request', req, res));
  from.on('checkContinue', (req: unknown, res: { writeContinue(): void }) => {
    if (lineage.current.listenerCount('checkContinue') > 0) lineage.current.emit('checkContinue', req, res);
    else {
      res.writeContinue();
      lineage.current.emit('request', req, res);
    }
  });
  from.on('checkExpectation', (req: unknown, res: { writeHead(status: number): void; end(): void }) => {
    if (lineage.current.listenerCount('checkExpectation') > 0) lineage.current.emit('checkExpectation', req, res);
    else {
      res.writeHead(417);
      res.end();
    }
  });
  for (const event of SOCKET_EVENTS) {
    if (lineage.current.listenerCount(event) === 0) continue;
    from.on(event, (req: unknown, socket: { destroy(): void }, head: unknown) => {
      if (lineage.current.listenerCount(event) > 0) lineage.current.emit(event, req, socket, head);
      else socket.destroy();
    });
  }
}

/**
 * The old server now only finishes its connections. Its socket is gone, so
 * it emits 'close' once the last one ends. A dispose handler written for a
 * reloader without hand-over (`server.close(); server.closeAllConnections()`)
 * must not cut requests still running or reset keep-alive clients: `close(cb)`
 * waits for the connections, the `close*Connections` methods do nothing.
 */
export function retireHandedOver(server: net.Server): void {
  let drained = false;
  server.once('close', () => {
    drained = true;
    clearConnectionSweeper(server);
  });
  const patch = server as unknown as Record<string, unknown>;
  patch['close'] = (callback?: () => void) => {
    if (callback && drained) process.nextTick(callback);
    else if (callback) server.once('close', () => callback());
    return server;
  };
  patch['closeAllConnections'] = () => {};
  patch['closeIdleConnections'] = () => {};
  // Without a handle this only emits 'close' once no connection is left (at once if there is none).
  net.Server.prototype.close.call(server);
}

function clearConnectionSweeper(server: net.Server): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  if (key) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[key]);
}

