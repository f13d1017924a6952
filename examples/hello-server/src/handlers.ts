import type { IncomingMessage, ServerResponse } from 'node:http';
import { greeting } from './greeting.ts';
import { Counter } from './counter.ts';
import { visits } from './visits.ts';

// Created once, at startup: after an edit of counter.ts it runs the new methods.
const counter = new Counter();

export function hello(req: IncomingMessage, res: ServerResponse): void {
  const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('name') ?? 'world';
  visits.total++;
  res.setHeader('content-type', 'text/plain');
  res.end(`${greeting(name)}\n`);
}

export function count(_req: IncomingMessage, res: ServerResponse): void {
  res.end(`${counter.increment()}\n`);
}

export function state(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ visits: visits.total }));
}

// Throws outside any request: an uncaught exception. Under `hotswap run` it is
// reported with its .ts location and the server keeps serving.
export function crash(_req: IncomingMessage, res: ServerResponse): void {
  setTimeout(() => {
    throw new Error('crash route');
  });
  res.end('scheduled a crash\n');
}
