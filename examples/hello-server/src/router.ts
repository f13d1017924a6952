import type { IncomingMessage, ServerResponse } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Router {
  on(path: string, handler: Handler): void;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The handler registered for a path (the same function object that was passed to `on`). */
  handlerFor(path: string): Handler | undefined;
}

export function createRouter(): Router {
  const routes = new Map<string, Handler>();
  return {
    on(path, handler) {
      routes.set(path, handler);
    },
    handlerFor: (path) => routes.get(path),
    handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const handler = routes.get(path);
      if (!handler) {
        res.statusCode = 404;
        res.end('not found\n');
        return;
      }
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          res.statusCode = 500;
          res.end(`error: ${(error as Error).message}\n`);
        });
    },
  };
}
