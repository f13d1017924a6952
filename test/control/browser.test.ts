/**
 * The dashboard and the embeddable panel in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core), against the real CLI running
 * a temp copy of examples/hello-server. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { assertReadableGraph } from './graph-check.ts';
import { saveFile, ARTIFACTS, copyHelloServer, freePort, runCli, spawnCli, type CliProcess } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" to run the browser tests`;
const GREETING = (word: string): string => `export function greeting(name: string): string {\n  return \`${word}, \${name}!\`;\n}\n`;
const BROKEN = 'export function greeting(name: string): string {\n  return `Hello, ${name`;\n}\n';

// A host page served by the example app itself: the server reads the control URL and the
// read-only panel token from .hotswap/ at request time and puts them in the script tag.
const PANEL_DEMO = `import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function panelDemo(_req: IncomingMessage, res: ServerResponse): void {
  const control = JSON.parse(readFileSync('.hotswap/control.json', 'utf8')) as { url: string };
  const token = readFileSync('.hotswap/panel-token', 'utf8').trim();
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(\`<!doctype html><html><head><title>Host app</title><style>body{font:16px system-ui;margin:40px;color:#333}</style></head>
<body><h1>My host app</h1><p>This page embeds the hotswap panel.</p>
<script src="\${control.url}/panel.js" data-token="\${token}"></script></body></html>\`);
}
`;

describe('dashboard and panel in Chromium', { skip: SKIP }, () => {
  let dir: string;
  let app: CliProcess;
  let appPort: number;
  let dashboardUrl: string;
  let browser: Browser;
  let context: BrowserContext;

  const shot = async (page: Page, name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  };

  before(async () => {
    dir = copyHelloServer();
    appPort = await freePort();
    writeFileSync(join(dir, 'src', 'panel-demo.ts'), PANEL_DEMO);
    const main = readFileSync(join(dir, 'src', 'main.ts'), 'utf8');
    writeFileSync(join(dir, 'src', 'main.ts'), main.replace("import * as handlers from './handlers.ts';", "import * as handlers from './handlers.ts';\nimport { panelDemo } from './panel-demo.ts';").replace("router.on('/crash', handlers.crash);", "router.on('/crash', handlers.crash);\nrouter.on('/panel-demo', panelDemo);"));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, hotswap: { control: { allowOrigins: [`http://127.0.0.1:${appPort}`] } } }, null, 2));
    app = spawnCli(['run', 'src/main.ts'], { cwd: dir, env: { PORT: String(appPort) } });
    [dashboardUrl] = (await app.waitFor(/http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/, 'the dashboard URL')) as RegExpMatchArray & [string];
    await app.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${appPort}`), 'the app to listen');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  });

  after(async () => {
    await browser?.close();
    await app?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });

  test('dashboard: one-time URL, green status, live feed, red with code frame, reload button, graph', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(dashboardUrl);
    await page.waitForSelector('#status[data-state="running"]');
    assert.equal(await page.locator('#status-text').textContent(), 'Running');
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
    assert.match((await page.evaluate(() => sessionStorage.getItem('hotswap.token'))) ?? '', /^[\w-]{40,}$/);
    assert.deepEqual(await context.cookies(), [], 'no cookie');
    await page.waitForSelector('#live[data-live="true"]');
    await page.waitForSelector('#graph .node');
    await page.evaluate('window.marker = 42');
    await shot(page, 'dashboard-running.png');

    // an edit: a new feed entry arrives over the stream, the page is not reloaded
    saveFile(join(dir, 'src', 'greeting.ts'), GREETING('Howdy'));
    const committed = page.locator('#feed .entry.committed', { hasText: 'src/greeting.ts@v' });
    await committed.first().waitFor();
    assert.match((await committed.first().locator('.phase-legend').textContent()) ?? '', /stage [\d.]+ ms.*total [\d.]+ ms/);
    assert.equal(await page.evaluate('window.marker'), 42, 'same page: no reload');
    await page.waitForSelector('#graph .node.changed');

    // a broken save: red status, the error with its code frame
    saveFile(join(dir, 'src', 'greeting.ts'), BROKEN);
    await page.waitForSelector('#status[data-state="degraded"]');
    assert.equal(await page.locator('#status-text').textContent(), 'Last reload failed');
    await page.waitForSelector('#error-panel:not([hidden])');
    assert.equal(await page.locator('#error-code').textContent(), 'HS_SYNTAX');
    assert.match((await page.locator('#error-where').textContent()) ?? '', /^src\/greeting\.ts:\d+:\d+$/);
    assert.match((await page.locator('#error-frame').textContent()) ?? '', /> 2 \| {3}return `Hello, \$\{name`;/);
    await page.locator('#feed .entry.failed .frame').first().waitFor();
    await shot(page, 'dashboard-failed.png');

    // fix it: green again
    saveFile(join(dir, 'src', 'greeting.ts'), GREETING('Hello'));
    await page.waitForSelector('#status[data-state="running"]');
    await page.waitForSelector('#error-panel[hidden]', { state: 'attached' });

    // the reload button re-runs everything, after a confirmation that says state is reset
    const before = await page.locator('#feed .entry.committed').count();
    const reloadsBefore = await page.locator('#stat-reloads').textContent();
    await page.locator('#reload-all').click();
    const dialog = page.locator('#confirm-reload');
    await dialog.waitFor({ state: 'visible' });
    assert.match((await dialog.textContent()) ?? '', /Re-run every module\?.*state that is not kept in import\.meta\.hot\.data .* is reset/s);
    await shot(page, 'dashboard-reload-all-confirm.png');
    await dialog.locator('button[value="cancel"]').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#feed .entry.committed').count(), before, 'cancelled: nothing re-ran');
    assert.equal(await page.locator('#stat-reloads').textContent(), reloadsBefore);
    await page.locator('#reload-all').click();
    await dialog.locator('#confirm-reload-ok').click();
    await page.locator('#feed .entry.committed').nth(before).waitFor();
    await page.waitForSelector('#toast:not([hidden])');
    assert.match((await page.locator('#toast').textContent()) ?? '', /^Re-ran 7 modules: state not kept in import\.meta\.hot\.data was reset$/);
    assert.match((await page.locator('#feed .entry').first().textContent()) ?? '', /updated (src\/[\w-]+\.ts@v\d+, ){3}src\/[\w-]+\.ts@v\d+ and 3 more/, 'a reload of everything lists a few modules and counts the rest');
    await page.waitForSelector('#status[data-state="running"]');

    // the module list and the graph
    await page.locator('#tab-modules').click();
    await page.waitForSelector('#view-modules:not([hidden])');
    assert.equal(await page.locator('#modules tr').count(), 7);
    await page.locator('#tab-graph').click();
    await page.waitForSelector('#view-graph:not([hidden])');
    assert.equal(await page.locator('#graph .node').count(), 7);
    await assertReadableGraph(page, 7);
    await page.locator('#graph .node[data-id="src/handlers.ts"]').click();
    await page.waitForSelector('#graph .node.selected[data-id="src/handlers.ts"]');
    assert.match((await page.locator('#graph-info h3').textContent()) ?? '', /src\/handlers\.ts/);
    assert.match((await page.locator('#graph-info dl').textContent()) ?? '', /importssrc\/counter\.ts, src\/greeting\.ts, src\/visits\.ts/);
    assert.equal(await page.locator('#graph .edge.out').count(), 3, 'its imports are highlighted');
    assert.equal(await page.locator('#graph .edge.in').count(), 1, 'and its importer');
    await shot(page, 'dashboard-graph.png');
    assert.deepEqual(errors, [], 'no errors in the page');
    await page.close();
  });

  test('dashboard looks right narrow and in dark mode', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    try {
      const token = readFileSync(join(dir, '.hotswap', 'token'), 'utf8').trim();
      const base = dashboardUrl.replace(/#.*$/, '');
      for (const [ctx, name] of [[dark, 'dashboard-dark.png'], [narrow, 'dashboard-narrow.png']] as const) {
        const page = await ctx.newPage();
        await page.goto(`${base}#token=${token}`);
        await page.waitForSelector('#status[data-state="running"]');
        await page.waitForSelector('#graph .node');
        await page.waitForSelector('#feed .entry');
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
        assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
        await assertReadableGraph(page, 7);
        await shot(page, name);
      }
    } finally {
      await dark.close();
      await narrow.close();
    }
  });

  test('without a token the dashboard says how to get one', async () => {
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      await page.goto(dashboardUrl.replace(/#.*$/, ''));
      await page.waitForSelector('#auth:not([hidden])');
      assert.match((await page.locator('#auth').textContent()) ?? '', /one-time link/);
      await page.goto(`${dashboardUrl.replace(/#.*$/, '')}#token=wrong`);
      await page.reload();
      await page.waitForSelector('#auth:not([hidden])');
      assert.match((await page.locator('#auth-reason').textContent()) ?? '', /token was rejected/);
    } finally {
      await fresh.close();
    }
  });

  test('embeddable panel in a page served by the example app: status, stats, live updates', async () => {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${appPort}/panel-demo`);
    const panel = page.locator('#hotswap-panel');
    await page.waitForSelector('#hotswap-panel[data-state="running"]', { state: 'attached' });
    assert.equal(await panel.locator('.state').textContent(), 'running');
    const reloads = Number(await panel.getAttribute('data-reloads'));
    assert.equal(await panel.locator('[data-k="reloads"]').textContent(), String(reloads));
    await shot(page, 'panel.png');

    // a reload from outside shows up in the panel without a page reload
    const result = await runCli(['reload'], dir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    await page.waitForSelector(`#hotswap-panel:not([data-reloads="${reloads}"])`, { state: 'attached' });
    assert.ok(Number(await panel.getAttribute('data-reloads')) > reloads);
    assert.match((await panel.locator('[data-k="last"]').textContent()) ?? '', /^#\d+ committed · [\d.]+ ms$/);

    // a broken save turns it red
    saveFile(join(dir, 'src', 'greeting.ts'), BROKEN);
    await page.waitForSelector('#hotswap-panel[data-state="degraded"]', { state: 'attached' });
    assert.match((await panel.locator('[data-k="code"]').textContent()) ?? '', /^HS_SYNTAX src\/greeting\.ts:\d+$/);
    // the last reloads as they happen: which file, what came of it (newest first)
    const recent = panel.locator('.recent li');
    await panel.locator('.recent li[data-status="failed"]').first().waitFor();
    assert.match((await recent.first().textContent()) ?? '', /^✗.*src\/greeting\.ts.*HS_SYNTAX$/);
    await shot(page, 'panel-failed.png');
    saveFile(join(dir, 'src', 'greeting.ts'), GREETING('Hello'));
    await page.waitForSelector('#hotswap-panel[data-state="running"]', { state: 'attached' });
    await panel.locator('.recent li:first-child[data-status="committed"]').waitFor();
    assert.match((await recent.first().textContent()) ?? '', /^✓.*src\/greeting\.ts@v\d+.*[\d.]+ ms$/);
    assert.match((await recent.nth(1).textContent()) ?? '', /^✗.*src\/greeting\.ts/, 'the failure stays below it');
    assert.ok((await recent.count()) <= 5, 'the last few only');
    await shot(page, 'panel-recent.png');

    // collapsible
    await panel.locator('.head').click();
    assert.equal(await panel.locator('.head').getAttribute('aria-expanded'), 'false');
    await shot(page, 'panel-collapsed.png');
    await page.close();
  });

  test('a page on an origin that is not allowed cannot use the API', async () => {
    const page = await context.newPage();
    // the dashboard's own origin is allowed; emulate a foreign page with a data: URL (Origin: null)
    const token = readFileSync(join(dir, '.hotswap', 'panel-token'), 'utf8').trim();
    const base = dashboardUrl.replace(/\/#.*$/, '');
    await page.goto('about:blank');
    const outcome = await page.evaluate(
      async ({ base, token }) => {
        try {
          const response = await fetch(`${base}/api/stats`, { headers: { authorization: `Bearer ${token}` } });
          return `status ${response.status}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      },
      { base, token },
    );
    assert.match(outcome, /^blocked: TypeError$/, 'the browser gets no CORS grant, the server answered 403');
    await page.close();
  });
});
