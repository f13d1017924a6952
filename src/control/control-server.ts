/**
 * The control server: the Hono app on 127.0.0.1, its tokens and the
 * `.hotswap/control.json` rendezvous. It never keeps the process alive on its
 * own (server and sockets are unref'd) and never touches the app's globals
 * (`overrideGlobalObjects: false`: @hono/node-server would otherwise replace
 * the process's global Request/Response with its own classes).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { createTokens, type ControlTokens } from './auth.ts';
import { createControlApp } from './control-app.ts';
import { isProcessAlive, readControlInfo, removeControlInfo, writeControlFiles } from './control-files.ts';
import { EventFeed } from './event-feed.ts';

export interface ControlServerOptions {
  runtime: Runtime;
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Host-page origins that may embed the panel (CORS). @default [] */
  allowOrigins?: readonly string[];
  /** Write `.hotswap/control.json` and the token files under `runtime.root`. @default true */
  writeFiles?: boolean;
  /** @default 15000 */
  heartbeatMs?: number;
}

export interface ControlServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly tokens: ControlTokens;
  /** One-time dashboard URL: the token travels in the fragment, which never reaches a server or a log. */
  readonly dashboardUrl: string;
  readonly feed: EventFeed;
  /** pid of another process that was registered in control.json when this one started. */
  readonly replacedPid: number | undefined;
  /** Stop serving, end open event streams, remove control.json. Idempotent. */
  close(): Promise<void>;
  isClosed(): boolean;
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { runtime } = options;
  const writeFiles = options.writeFiles ?? true;
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    socket.unref();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  server.unref();

  const feed = new EventFeed({ runtime });
  const tokens = createTokens();
  const app = createControlApp({ feed, tokens, port, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}), ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}) });
  server.on('request', getRequestListener(app.fetch, { overrideGlobalObjects: false }));

  const url = `http://127.0.0.1:${port}`;
  let replacedPid: number | undefined;
  const onExit = (): void => removeControlInfo(runtime.root);
  if (writeFiles) {
    try {
      const previous = readControlInfo(runtime.root);
      if (previous && previous.pid !== process.pid && isProcessAlive(previous.pid)) replacedPid = previous.pid;
    } catch {
      // an unreadable control.json is replaced below
    }
    try {
      writeControlFiles(runtime.root, { pid: process.pid, url, started: new Date().toISOString(), project: runtime.root }, tokens);
    } catch (error) {
      feed.close();
      server.closeAllConnections();
      server.close();
      throw new HotswapError(ERROR_CODES.USAGE, `Cannot write the control files in ${runtime.root}/.hotswap: ${(error as Error).message}`, {
        cause: error,
        hint: 'Make .hotswap/ a writable directory (run "hotswap doctor"), or start with --no-control.',
      });
    }
    process.once('exit', onExit);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    tokens,
    dashboardUrl: `${url}/#token=${tokens.admin}`,
    feed,
    replacedPid,
    isClosed: () => closing !== undefined,
    close() {
      closing ??= new Promise<void>((resolve) => {
        feed.close();
        if (writeFiles) {
          process.off('exit', onExit);
          removeControlInfo(runtime.root);
        }
        server.close(() => resolve());
        // event streams never end by themselves
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new HotswapError(ERROR_CODES.USAGE, `The control server cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}`, {
          cause: error,
          hint: error.code === 'EADDRINUSE' ? 'Another process uses that port: pick another --control-port, or 0 for a free one.' : 'Check --control-port / control.port in the config.',
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
