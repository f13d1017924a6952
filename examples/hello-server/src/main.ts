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

// The entry owns the port: when it must re-run, its old server closes first.
import.meta.hot?.dispose(() => new Promise<void>((done) => {
  server.close(() => done());
  server.closeAllConnections();
}));
