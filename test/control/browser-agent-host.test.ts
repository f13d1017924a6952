/**
 * The README's agent host in headless Chromium: its page's panel lists the last
 * reloads (file, result) as they happen; the dashboard shows plugin events as
 * one readable line each and draws the graph with labels of at least 12 px.
 * Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { copyExample, spawnCli } from '../plugins/helpers.ts';
import { assertReadableGraph } from './graph-check.ts';
import { ARTIFACTS, freePort } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" to run the browser tests`;

test('agent-host in Chromium: the page panel lists the last reloads; the dashboard reads well', { skip: SKIP }, async (t) => {
  const app = copyExample(t, 'agent-host');
  const port = await freePort();
  const pkg = JSON.parse(readFileSync(app.path('package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(app.path('package.json'), JSON.stringify({ ...pkg, hotswap: { control: { allowOrigins: [`http://127.0.0.1:${port}`] } } }, null, 2));
  const cli = spawnCli(t, ['run', 'src/main.ts'], { cwd: app.dir, env: { PORT: String(port) } });
  const dashboardLine = await cli.waitForLine('stderr', /dashboard http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/);
  const dashboardUrl = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(dashboardLine)?.[1] as string;
  await cli.waitForLine('stdout', new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic'] });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const shot = async (page: Page, name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  };

  // the page's panel: no reloads yet, then each reload as it happens (file, result)
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const panel = page.locator('#hotswap-panel');
  await page.waitForSelector('#hotswap-panel[data-state="running"]', { state: 'attached' });
  assert.equal(await panel.locator('.recent li').count(), 0);
  app.edit('tools/echo.ts', (s) => s.replace('answer(quote(input))', 'answer(quote(input).toUpperCase())'));
  await panel.locator('.recent li[data-status="committed"]').first().waitFor();
  assert.match((await panel.locator('.recent li').first().textContent()) ?? '', /^✓.*tools\/echo\.ts@v2.*[\d.]+ ms$/);
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)}', 'evaluate(input)'));
  await panel.locator('.recent li[data-status="failed"]').first().waitFor();
  assert.match((await panel.locator('.recent li').first().textContent()) ?? '', /^✗.*tools\/calculator\.ts.*HS_SYNTAX$/);
  assert.match((await panel.locator('.recent li').nth(1).textContent()) ?? '', /tools\/echo\.ts@v2/, 'the earlier reload stays listed below');
  await shot(page, 'agent-host-panel.png');
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)', 'evaluate(input)}'));
  await panel.locator('.recent li:first-child[data-status="committed"]').waitFor();

  // the dashboard: plugin events as one line each, in words; the graph readable
  const dash = await context.newPage();
  await dash.goto(dashboardUrl);
  await dash.waitForSelector('#status[data-state="running"]');
  await dash.waitForSelector('#graph .node');
  const live = dash.locator('#feed .entry.event', { hasText: 'plugin echo v2 live (was v1; its code changed; file tools/echo.ts@v2)' });
  await live.first().waitFor();
  const events = await dash.locator('#feed .entry.event').evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', height: e.getBoundingClientRect().height })));
  assert.ok(events.length > 0);
  for (const event of events) {
    assert.doesNotMatch(event.text, /\{"|":/, `no raw JSON: ${event.text}`);
    assert.ok(event.height <= 30, `one line per plugin event (${event.height}px): ${event.text}`);
  }
  assert.ok(events.some((e) => /plugin calculator failed in evaluate, v1 keeps serving: HS_SYNTAX/.test(e.text)), events.map((e) => e.text).join('\n'));
  const modules = await dash.locator('#graph .node').count();
  const graph = await assertReadableGraph(dash, modules, { whole: false });
  t.diagnostic(`graph of ${modules} modules: ${graph.width}x${graph.height} px, smallest label ${graph.minLabelPx.toFixed(1)} px`);
  await shot(dash, 'dashboard-agent-host.png');
});
