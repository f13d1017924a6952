/**
 * One peer running one generated app: start it (cold or warm), edit files the
 * way a developer saves them, and wait for the server to serve the new content.
 * Every wait is "poll until the body says so" (bounded), never a sleep.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { renderLeaf, renderShared, type GeneratedApp } from '../fixtures/generate-app.ts';
import { HttpClient, spawnServer, stopTree } from '../lib/util.ts';
import type { Peer } from './peers.ts';

/** How long one edit may take to be served before it counts as lost (by default). */
export const EDIT_TIMEOUT_MS = 10_000;

export interface EditResult {
  /** write → first response with the new content, ms; undefined: lost */
  ms: number | undefined;
  /** requests that failed (refused, reset, 5xx) while waiting */
  errors: number;
}

export class PeerSession {
  readonly peer: Peer;
  readonly app: GeneratedApp;
  readonly port: number;
  readonly mods: number;
  #child: ChildProcess | undefined;
  #client: HttpClient | undefined;
  /** How long one edit may take to be served before it counts as lost. */
  readonly #editTimeoutMs: number;
  #rev = 0;
  #leaf = 0;
  stderr: string[] = [];

  constructor(peer: Peer, app: GeneratedApp, port: number, editTimeoutMs = EDIT_TIMEOUT_MS) {
    this.peer = peer;
    this.app = app;
    this.port = port;
    this.mods = app.modules - 3;
    this.#editTimeoutMs = editTimeoutMs;
  }

  get client(): HttpClient {
    if (!this.#client) throw new Error('not started');
    return this.#client;
  }

  /** spawn → `listening on`, ms. `cold`: the peer's caches are deleted first. */
  async start(cold: boolean): Promise<number> {
    if (cold) for (const cache of this.peer.caches(this.app.dir)) rmSync(isAbsolute(cache) ? cache : join(this.app.dir, cache), { recursive: true, force: true });
    const started = await spawnServer(process.execPath, this.peer.args(this.app.dir), {
      cwd: this.app.dir,
      env: { PORT: String(this.port), NODE_NO_WARNINGS: '1', ...this.peer.env?.(this.app.dir) },
      timeoutMs: 60_000,
      onStderrLine: (line) => {
        this.stderr.push(line);
        if (this.stderr.length > 30) this.stderr.shift();
      },
    });
    this.#child = started.child;
    this.#client = new HttpClient(this.port);
    return started.startMs;
  }

  async stop(): Promise<void> {
    this.#client?.close();
    this.#client = undefined;
    if (this.#child) await stopTree(this.#child);
    this.#child = undefined;
  }

  alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  write(file: string, content: string): void {
    writeFileSync(file, content);
  }

  /** Edit the leaf (only the entry imports it) and wait for /leaf to serve it. */
  async leafEdit(): Promise<EditResult> {
    const token = `leaf-${++this.#leaf}-${Date.now()}`;
    const t0 = performance.now();
    this.write(this.app.leafFile, renderLeaf(token));
    return this.#until('/leaf', token, t0);
  }

  /** Edit REV of shared.ts, which every module reads at top level (all re-run), and wait for /weight. */
  async rerunEdit(): Promise<EditResult> {
    const rev = ++this.#rev;
    const t0 = performance.now();
    this.write(this.app.sharedFile, renderShared('shared-v0', rev));
    return this.#until('/weight', String(this.mods * (rev + 1)), t0, true);
  }

  /** Two saves of the leaf 10 ms apart: the second must be what ends up serving. */
  async twoSaves(): Promise<EditResult & { lost: boolean }> {
    const first = `first-${++this.#leaf}-${Date.now()}`;
    const second = `second-${this.#leaf}-${Date.now()}`;
    this.write(this.app.leafFile, renderLeaf(first));
    await new Promise((done) => setTimeout(done, 10));
    const t0 = performance.now();
    this.write(this.app.leafFile, renderLeaf(second));
    const result = await this.#until('/leaf', second, t0);
    return { ...result, lost: result.ms === undefined };
  }

  /**
   * A save with a syntax error, then the fix: requests that fail while the broken file is on disk
   * (1 s of polling), whether the process survived, and fix → served.
   */
  async brokenSave(): Promise<{ failedWhileBroken: number; requestsWhileBroken: number; survived: boolean; fix: EditResult }> {
    this.write(this.app.leafFile, `export function leafValue(): string {\n  return 'broken' +;\n}\n`);
    const until = performance.now() + 1000;
    let failed = 0;
    let requests = 0;
    while (performance.now() < until) {
      requests++;
      try {
        const { status } = await this.client.get('/leaf');
        if (status >= 500) failed++;
      } catch {
        failed++;
        await new Promise((done) => setTimeout(done, 5));
      }
    }
    const survived = this.alive();
    const fix = await this.leafEdit();
    return { failedWhileBroken: failed, requestsWhileBroken: requests, survived, fix };
  }

  async heapMB(): Promise<number | undefined> {
    try {
      const { status, body } = await this.client.get('/heap');
      return status === 200 ? Math.round((Number(body) / 1048576) * 10) / 10 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Poll until the body is `expected` (exactly, or containing it). */
  async #until(path: string, expected: string, t0: number, exact = false): Promise<EditResult> {
    const deadline = t0 + this.#editTimeoutMs;
    let errors = 0;
    while (performance.now() < deadline) {
      try {
        const { status, body } = await this.client.get(path);
        if (status === 200 && (exact ? body === expected : body.includes(expected))) return { ms: performance.now() - t0, errors };
        if (status >= 500) errors++;
      } catch {
        errors++;
        // refused while a restarting peer is down: do not spin
        await new Promise((done) => setTimeout(done, 2));
      }
    }
    return { ms: undefined, errors };
  }
}

/** Requests from `clients` concurrent keep-alive loops on /leaf until `stop` resolves: total and failed. */
export async function underLoad(port: number, clients: number, work: () => Promise<void>): Promise<{ requests: number; failed: number }> {
  let running = true;
  let requests = 0;
  let failed = 0;
  const loops = Array.from({ length: clients }, async () => {
    const client = new HttpClient(port);
    while (running) {
      requests++;
      try {
        const { status } = await client.get('/leaf');
        if (status !== 200) failed++;
      } catch {
        failed++;
        await new Promise((done) => setTimeout(done, 2));
      }
    }
    client.close();
  });
  try {
    await work();
  } finally {
    running = false;
    await Promise.all(loops);
  }
  return { requests, failed };
}
