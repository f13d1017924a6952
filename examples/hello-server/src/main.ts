// Entry: builds the app, registers routes by reference and listens.
// Routes keep working across edits of handlers.ts, greeting.ts and counter.ts
// without any hot-reload code here: exported functions are stable.
import http from 'node:http';
import { createRouter } from './router.ts';
import * as handlers from './handlers.ts';

const router = createRouter();
router.on('/hello', handlers.hello);
router.on('/count', handlers.count);
router.on('/state', handlers.state);
router.on('/crash', handlers.crash);

const port = Number(process.env['PORT'] ?? 3000);
const server = http.createServer((req, res) => router.handle(req, res));
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`listening on http://127.0.0.1:${actual}`);
});

// No dispose code: when the entry re-runs, the new server takes over the listening socket
// and the old one finishes the requests it is serving (docs/how-it-works.md, Resources).
