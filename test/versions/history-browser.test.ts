/**
 * The dashboard's history view in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core) against the real CLI: versions with trigger, state
 * and timings, a diff between two chosen versions, and a rollback button that
 * asks first and then changes the file and the running code. Screenshots go to
 * test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, waitUntil } from '../control/helpers.ts';
import { ENGINE, history, startVersionApp, type VersionApp } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" to run the browser tests`;
const HELPER = "export function engineStatus() { return 'ok' }\n";

describe('dashboard history view in Chromium', { skip: SKIP }, () => {
  let v: VersionApp;
  let browser: Browser;
  let dashboardUrl: string;

  const shot = async (page: Page, name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  };

  before(async () => {
    v = await startVersionApp();
    [, dashboardUrl] = (await v.app.waitFor(/dashboard (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/, 'the dashboard URL')) as RegExpMatchArray & [string, string];
    writeFileSync(join(v.dir, 'helper.ts'), HELPER);
    const applied = await v.cli('apply', 'lib/engine.ts', '--mode', 'append', '--from', 'helper.ts', '--yes', '--reason', 'add engineStatus');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
  });
  after(async () => {
    await browser?.close();
    await v?.close();
  });

  test('versions, a diff between two, and a confirmed rollback', async () => {
    const rows = await history(v, 'lib/engine.ts');
    const apply = rows.find((r) => r.trigger === 'apply');
    const startup = rows.find((r) => r.trigger === 'startup');
    assert.ok(apply && startup);
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(dashboardUrl);
    await page.waitForSelector('#live[data-live="true"]');
    await page.click('#tab-history');
    const applyRow = page.locator(`#view-history tr[data-id="${apply.id}"]`);
    await applyRow.waitFor();
    assert.match((await applyRow.textContent()) ?? '', /lib\/engine\.ts@2.*apply.*add engineStatus.*(probation|stable)/);
    assert.match((await applyRow.textContent()) ?? '', new RegExp(`${apply.hash?.slice(0, 12)}.*#${startup.id}`));
    await page.selectOption('#history-module', 'lib/engine.ts');
    await page.locator(`#view-history tr[data-id="${startup.id}"]`).waitFor();
    await shot(page, 'history-view.png');

    await page.check(`input[aria-label="A: #${startup.id}"]`);
    await page.check(`input[aria-label="B: #${apply.id}"]`);
    await page.click('#history-compare');
    const diff = page.locator('#history-diff pre.diff');
    await diff.waitFor();
    assert.match((await page.locator('#history-diff h3').textContent()) ?? '', /lib\/engine\.ts@1 → lib\/engine\.ts@2/);
    assert.equal(await page.locator('#history-diff pre.diff .add').first().textContent(), "+export function engineStatus() { return 'ok' }\n");
    await shot(page, 'history-diff.png');

    await page.click(`button[data-rollback="${startup.id}"]`);
    await page.waitForSelector('#history-confirm:not([hidden])');
    assert.equal(v.read('lib/engine.ts'), `${ENGINE}${HELPER}`, 'nothing changes before the confirmation');
    await shot(page, 'history-rollback-confirm.png');
    await page.click('#history-confirm-rollback');
    await waitUntil(() => v.read('lib/engine.ts') === ENGINE, 'the file to be rolled back');
    assert.equal((await v.call('engineStatus')).body, 'missing');
    const rolledRow = page.locator('#view-history tr.running', { hasText: 'rollback' });
    await rolledRow.first().waitFor();
    await shot(page, 'history-rolled-back.png');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
