/**
 * An app that never started: the dashboard says it is waiting for a fix, not
 * that a last good version serves (there is none). Headless Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';
import { ARTIFACTS } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" to run the browser tests`;

test('dashboard of an app that did not start: waiting for a fix', { skip: SKIP }, async (t) => {
  const p = createProject({ 'src/main.ts': `const x: number = ;\n` });
  const cli = startCli(['run', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  const line = await cli.waitForLine('stderr', /dashboard http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/);
  const url = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(line)?.[1] as string;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  // a second broken save: a failed start attempt, with its error
  p.writeAtomic('src/main.ts', `const y: number = ;\n`);
  await page.waitForSelector('#error-panel:not([hidden])');
  assert.equal(await page.locator('#status-text').textContent(), 'Not started: waiting for a fix');
  assert.equal(await page.locator('#error-serving').textContent(), 'the app has not started yet: it is waiting for a fix');
  assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /last good version keeps serving/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-not-started.png'), fullPage: true });
});
