import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const SCHEDULER = new URL('../../src/watch/scheduler.ts', import.meta.url).href;

// A save's change set goes out through `soon()`. Node runs an unref'd immediate only when
// something else wakes the event loop, so in an idle server a save waited for the next timer
// or request (observed: 20–30 ms per leaf edit). Here the only other handle is a listening
// server nobody connects to: an unref'd immediate would wait forever (killed after 20 s).
test('nodeScheduler.soon() runs on the next turn in an idle server, not when something else wakes the loop', () => {
  const script = `
    const { nodeScheduler } = await import(${JSON.stringify(SCHEDULER)});
    const { createServer } = await import('node:net');
    const server = createServer().listen(0, '127.0.0.1', () => {
      setTimeout(() => nodeScheduler.soon(() => { console.log('soon'); server.close(); }), 5);
    });
  `;
  let out = '';
  try {
    out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch (error) {
    out = `killed: ${String((error as { stdout?: string }).stdout ?? error)}`;
  }
  assert.equal(out, 'soon');
});

test('nodeScheduler.later() does not keep the process alive', () => {
  const script = `
    const { nodeScheduler } = await import(${JSON.stringify(SCHEDULER)});
    nodeScheduler.later(() => console.log('late'), 60_000);
    console.log('done');
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 }).trim();
  assert.equal(out, 'done');
});
