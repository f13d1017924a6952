// HTTP: the chat API, the chat page, then plugin routes. main.ts passes requests here by
// reference, so edits of this file (and of agent.ts, planner.ts) apply without a restart.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginHost } from 'hotswap-node';
import { chat } from './agent.ts';
import { chatPage } from './page.ts';

export async function handleRequest(host: PluginHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (req.method === 'POST' && pathname === '/api/chat') {
      const body = JSON.parse((await readBody(req)) || '{}') as { message?: unknown };
      if (typeof body.message !== 'string') return send(res, 400, { error: 'POST {"message": "..."}' });
      return send(res, 200, await chat(host, body.message));
    }
    if (req.method === 'GET' && pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(chatPage());
      return;
    }
    if (req.method === 'GET' && pathname === '/api/tools') return send(res, 200, host.tools.list());
    if (req.method === 'GET' && pathname === '/api/plugins') return send(res, 200, host.stats());
    if (host.routes.handle(req, res)) return;
    send(res, 404, { error: `no route for ${req.method} ${pathname}` });
  } catch (error) {
    send(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}
