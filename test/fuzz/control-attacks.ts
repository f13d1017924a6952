/**
 * Hostile requests to the control API of a running app, each with the answer
 * it must get. None may succeed, none may 500, and the app keeps serving.
 */
import { request } from 'node:http';

export interface ControlTarget {
  url: string;
  admin: string;
  read: string;
}

export interface AttackResult {
  name: string;
  expected: number;
  got: number;
  body: string;
}

interface Attack {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: (t: ControlTarget, port: string) => Record<string, string>;
  chunks?: string[];
  expected: number;
}

const json = { 'content-type': 'application/json' };
const auth = (t: ControlTarget): Record<string, string> => ({ authorization: `Bearer ${t.admin}` });

export const ATTACKS: readonly Attack[] = [
  { name: 'no token', method: 'GET', path: '/api/status', headers: () => ({}), expected: 401 },
  { name: 'wrong token', method: 'GET', path: '/api/status', headers: () => ({ authorization: 'Bearer wrong' }), expected: 401 },
  { name: 'token in the query string', method: 'GET', path: '/api/status?token=x', headers: () => ({}), expected: 401 },
  { name: 'read-only token posts a reload', method: 'POST', path: '/api/reload', headers: (t) => ({ authorization: `Bearer ${t.read}` }), expected: 403 },
  { name: 'forged Host (DNS rebinding)', method: 'GET', path: '/api/status', headers: (t, port) => ({ ...auth(t), host: `rebind.example:${port}` }), expected: 403 },
  { name: 'foreign Origin', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), origin: 'https://evil.example' }), expected: 403 },
  { name: 'null Origin', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), origin: 'null' }), expected: 403 },
  { name: 'chunked JSON body', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), ...json, 'transfer-encoding': 'chunked' }), chunks: ['{"file":', '"src/m0.ts"}'], expected: 200 },
  { name: 'application/json-seq', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), 'content-type': 'application/json-seq' }), chunks: ['{}'], expected: 415 },
  { name: 'text/plain (CSRF-style form)', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), 'content-type': 'text/plain' }), chunks: ['{}'], expected: 415 },
  { name: 'chunked oversized body', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), ...json, 'transfer-encoding': 'chunked' }), chunks: Array.from({ length: 80 }, () => ' '.repeat(1024)), expected: 413 },
  { name: 'malformed JSON', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), ...json }), chunks: ['{"file": '], expected: 400 },
  { name: 'path traversal in the body', method: 'POST', path: '/api/reload', headers: (t) => ({ ...auth(t), ...json }), chunks: ['{"file":"../../../../etc/passwd"}'], expected: 400 },
  { name: 'encoded traversal in the URL', method: 'GET', path: '/..%2f..%2f..%2fetc%2fpasswd', headers: (t) => auth(t), expected: 404 },
  { name: 'dotted traversal to a dashboard asset', method: 'GET', path: '/%2e%2e/%2e%2e/package.json', headers: (t) => auth(t), expected: 404 },
];

export async function runAttacks(target: ControlTarget, pick?: (attacks: readonly Attack[]) => readonly Attack[]): Promise<AttackResult[]> {
  const port = new URL(target.url).port;
  const results: AttackResult[] = [];
  for (const attack of pick ? pick(ATTACKS) : ATTACKS) {
    const { status, body } = await send(target.url, attack.method, attack.path, attack.headers(target, port), attack.chunks ?? []);
    results.push({ name: attack.name, expected: attack.expected, got: status, body: body.slice(0, 300) });
  }
  return results;
}

function send(base: string, method: string, path: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { method, headers, timeout: 60_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: -1, body: error.message }));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
