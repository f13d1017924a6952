/**
 * Steady HTTP load on the app from the test process: `concurrency` loops of
 * keep-alive GETs. Every response is checked as it arrives by `check`; a
 * failed request (socket error, non-200, unparsable body, no answer in two
 * minutes) is a violation. A slow answer is not: a multi-MB module blocks the
 * event loop while it transforms, for long on a loaded machine.
 */
import { Agent, request } from 'node:http';

export interface LoadStats {
  requests: number;
  failed: number;
  firstFailure: string | undefined;
}

export interface HttpLoad {
  readonly stats: LoadStats;
  /** Stop issuing requests and wait for the ones in flight. */
  pause(): Promise<void>;
  resume(port: number): void;
  stop(): Promise<void>;
}

export function get(port: number, path: string, agent?: Agent, timeoutMs = 120_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function startLoad(port: number, concurrency: number, check: (body: string) => string | undefined): HttpLoad {
  const stats: LoadStats = { requests: 0, failed: 0, firstFailure: undefined };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let running = true;
  let current = port;
  let loops: Promise<void>[] = [];
  const fail = (why: string): void => {
    stats.failed++;
    stats.firstFailure ??= why;
  };
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const { status, body } = await get(current, '/', agent);
        stats.requests++;
        if (status !== 200) fail(`HTTP ${status}: ${body.slice(0, 300)}`);
        else {
          const problem = check(body);
          if (problem) fail(problem);
        }
      } catch (error) {
        stats.requests++;
        fail(`request failed: ${(error as Error).message}`);
      }
    }
  };
  const start = (): void => {
    running = true;
    loops = Array.from({ length: concurrency }, () => loop());
  };
  start();
  return {
    stats,
    async pause() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
    resume(newPort) {
      current = newPort;
      start();
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
