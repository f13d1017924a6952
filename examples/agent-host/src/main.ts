// Entry: a plugin host over tools/ and extensions/, then an HTTP server (or, with
// --terminal, a stdin/stdout chat). Run it with `npm start` (hotswap run src/main.ts).
import { relative } from 'node:path';
import http from 'node:http';
import { createPluginHost, type PluginHost } from 'hotswap-node';
import { handleRequest } from './http.ts';
import { startTerminal } from './terminal.ts';

const hot = import.meta.hot;
// The host outlives re-runs of this file (its plugins and their state stay live).
let host = hot?.data['host'] as PluginHost | undefined;
if (!host) {
  host = createPluginHost({ dirs: ['tools', 'extensions'], assetsDir: '.', drainTimeoutMs: 5000 });
  logHostEvents(host);
  await host.start();
  if (hot) hot.data['host'] = host;
}
const live = host;

if (process.argv.includes('--terminal')) {
  const stop = startTerminal(live, () => void live.close().finally(() => process.exit(0)));
  hot?.dispose(stop);
} else {
  const port = Number(process.env['PORT'] ?? 3000);
  const server = http.createServer((req, res) => void handleRequest(live, req, res));
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
  });
  // The entry owns the port: when it must re-run, its old server closes first.
  hot?.dispose(() => new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  }));
}
hot?.prune(() => live.close());

function logHostEvents(h: PluginHost): void {
  const log = (text: string): boolean => process.stderr.write(`[agent-host] ${text}\n`);
  h.on('plugin:loaded', (e) => log(`plugin ${e.name} v${e.version} loaded`));
  // plugin versions count the plugin's live versions; hotswap's `file@vN` counts the file's evaluations: name both
  h.on('plugin:reloaded', (e) => log(`plugin ${e.name} v${e.version} live (was v${e.previousVersion}, ${e.reason}; file ${relative(process.cwd(), e.file)}@v${e.moduleVersion ?? '?'})`));
  h.on('plugin:failed', (e) => log(`plugin ${e.name} failed in ${e.phase}${e.serving === undefined ? '' : `, v${e.serving} keeps serving`}: ${e.error.text}`));
  h.on('plugin:unloaded', (e) => log(`plugin ${e.name} unloaded`));
  h.on('asset:changed', (e) => log(`asset ${e.file} changed`));
  h.on('asset:error', (e) => log(`asset ${e.file}: ${e.error.text}`));
}
