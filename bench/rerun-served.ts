/**
 * The every-module re-run as `bench:peers` measures it, alone: one tool (or several) on the
 * generated 1,000-module app with `weights`, N saves of shared.ts's REV, write → `/weight` serves
 * the new sum. Faster to iterate on than the whole peer table; the same session code.
 *
 * Usage: node bench/rerun-served.ts [--peers hotswap,vite] [--modules 1000] [--edits 10]
 */
import { join } from 'node:path';
import { generateApp } from './fixtures/generate-app.ts';
import { argValue, freePort, log, removeDir, summarize, tempDir } from './lib/util.ts';
import { linkNodeModules, PEERS } from './peers/peers.ts';
import { PeerSession } from './peers/session.ts';

const names = (argValue('peers') ?? 'hotswap').split(',');
const modules = Number(argValue('modules') ?? 1000);
const edits = Number(argValue('edits') ?? 10);
for (const name of names) {
  const peer = PEERS.find((p) => p.name === name || p.name.toLowerCase().includes(name));
  if (!peer) throw new Error(`no peer ${name}`);
  const dir = tempDir('rerun-served');
  try {
    const app = generateApp(join(dir, 'app'), modules, { weights: true, ...(peer.accept ? { accept: peer.accept } : {}) });
    linkNodeModules(app.dir);
    peer.prepare?.(app.dir);
    const session = new PeerSession(peer, app, await freePort(), 5_000);
    // A cold start first (its transform cache is written in the background), as bench:peers does.
    await session.start(true);
    await session.stop();
    await session.start(false);
    try {
      const times: number[] = [];
      for (let i = 0; i < edits; i++) {
        const edit = await session.rerunEdit();
        if (edit.ms !== undefined) times.push(edit.ms);
      }
      const s = summarize(times);
      if (process.env['SHOW_STDERR']) for (const line of session.stderr.slice(-edits)) log(`  ${line}`);
      log(`${peer.name}: rerun at ${modules} modules, median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}); all: ${times.map((t) => t.toFixed(0)).join(' ')}`);
    } finally {
      await session.stop();
    }
  } finally {
    removeDir(dir);
  }
}
