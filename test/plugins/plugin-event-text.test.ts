/** Every plugin host event reads as one line of words: no JSON, no stack, project-relative paths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePluginEvent } from '../../src/plugins/plugin-event-text.ts';
import type { PluginHostEventName, PluginHostEvents } from '../../src/plugins/host-events.ts';

const ROOT = '/app';
const ERROR = { code: 'HS_PLUGIN_SMOKE', text: 'Plugin "calc" smoke failed: Error: 2+2 answered 5\n    at smoke (/app/tools/calc.ts:9:11)', location: null, frame: null, hint: null, detail: 'Error: x\n    at y' };

const CASES: { [E in PluginHostEventName]: [PluginHostEvents[E], string] } = {
  'plugin:loaded': [{ name: 'echo', file: '/app/tools/echo.ts', version: 1, transaction: undefined, moduleVersion: 1 }, 'plugin echo v1 loaded (tools/echo.ts@v1)'],
  'plugin:reloaded': [{ name: 'echo', file: '/app/tools/echo.ts', version: 2, previousVersion: 1, reason: 'module', transaction: 3, moduleVersion: 4 }, 'plugin echo v2 live (was v1; its code changed; file tools/echo.ts@v4)'],
  'plugin:failed': [{ name: 'calc', file: '/app/tools/calc.ts', phase: 'smoke', error: ERROR, serving: 1, transaction: 4 }, 'plugin calc failed in smoke, v1 keeps serving: HS_PLUGIN_SMOKE Plugin "calc" smoke failed: Error: 2+2 answered 5'],
  'plugin:disabled': [{ name: 'echo', file: '/app/tools/echo.ts', version: 2 }, 'plugin echo v2 disabled'],
  'plugin:enabled': [{ name: 'echo', file: '/app/tools/echo.ts', version: 3 }, 'plugin echo v3 enabled'],
  'plugin:unloaded': [{ name: 'echo', file: '/app/tools/echo.ts', version: 3 }, 'plugin echo v3 unloaded (tools/echo.ts)'],
  'plugin:drained': [{ name: 'echo', version: 1, timedOut: false, calls: 3 }, 'plugin echo v1 drained 3 calls, torn down'],
  'plugin:drain-timeout': [{ name: 'slow', version: 1, running: ['tool work (5012 ms)'], message: 'm' }, 'plugin slow v1 still runs tool work (5012 ms) after the drain timeout: tearing it down'],
  'plugin:error': [{ name: 'flaky', version: 1, kind: 'tool', target: 'boom', error: { ...ERROR, code: 'HS_PLUGIN_ERROR', text: 'kaboom' } }, 'plugin flaky v1: tool boom threw HS_PLUGIN_ERROR kaboom'],
  'asset:changed': [{ file: '/app/prompts/system.md' }, 'asset prompts/system.md changed'],
  'asset:error': [{ file: '/app/prompts/x.json', error: { ...ERROR, code: 'HS_ASSET', text: 'Unexpected token' } }, 'asset prompts/x.json: HS_ASSET Unexpected token (its last good content is served)'],
};

for (const [event, [payload, expected]] of Object.entries(CASES)) {
  test(`${event} reads as one line`, () => {
    const text = describePluginEvent(event as PluginHostEventName, payload as never, ROOT);
    assert.equal(text, expected);
    assert.doesNotMatch(text, /\n|\{"|\/app\//);
  });
}

test('a drained version with no calls running, and one torn down by the timeout', () => {
  assert.equal(describePluginEvent('plugin:drained', { name: 'a', version: 2, timedOut: false, calls: 0 }, ROOT), 'plugin a v2 had no calls running, torn down');
  assert.equal(describePluginEvent('plugin:drained', { name: 'a', version: 2, timedOut: true, calls: 1 }, ROOT), 'plugin a v2 torn down after the drain timeout (its running calls were aborted)');
  assert.equal(describePluginEvent('plugin:drained', { name: 'a', version: 2, timedOut: false, calls: 1 }, ROOT), 'plugin a v2 drained 1 call, torn down');
});
