/**
 * Helpers for the resource tests: listening sockets of a process read from
 * /proc, a free port, and HTTP requests that report failures as values.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/** Listening TCP sockets on `port` that process `pid` holds (its fds matched to /proc/net/tcp{,6} inodes). */
export function listeningSockets(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // the fd closed while we listed it
    }
  }
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue;
      if (Number.parseInt(local.split(':')[1] ?? '', 16) === port && inodes.has(cols[9] ?? '')) count++;
    }
  }
  return count;
}

/** A port free right now (the OS picks it; closed before returning). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Answer {
  status: number;
  body: string;
  /** Sent on a kept-alive connection. */
  reused: boolean;
  /** The client's socket: which connection answered. */
  socket: net.Socket;
}

/** GET on 127.0.0.1; a failure (refused, reset, hang-up) rejects with the error code in the message. */
export function request(port: number, path: string, agent: http.Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket, socket: req.socket as net.Socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
