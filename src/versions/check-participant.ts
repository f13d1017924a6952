/**
 * Runs `import.meta.hot.check(fn)` of every staged version before the swap:
 * a reload participant, so a failing check aborts the transaction the way a
 * syntax error does (the old version keeps serving, the error has a location
 * and a code frame). Checks run one after another, each bounded by a timeout.
 */
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import type { ReloadParticipant, TransactionView } from '../reload/participant.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { firstProjectFrame } from '../runner/source-maps.ts';

export function createCheckParticipant(runtime: Runtime, timeoutMs = 5000): ReloadParticipant {
  return {
    name: 'checks',
    async prepare(tx: TransactionView): Promise<void> {
      for (const staged of tx.staged) {
        const instance = runtime.moduleVersion(staged.file, 'staged');
        if (!instance || instance.hotState.checks.length === 0) continue;
        // The staged version's own values: a function export read through a namespace is the
        // module's stable forwarder, which still calls the committed version until the swap.
        const exports = Object.fromEntries(instance.exportNames().map((name: string) => [name, instance.rawExport(name)]));
        for (const check of instance.hotState.checks) await runCheck(runtime, staged.file, () => check(exports), timeoutMs);
      }
    },
  };
}

async function runCheck(runtime: Runtime, file: string, run: () => unknown, timeoutMs: number): Promise<void> {
  const name = relativePath(file, runtime.root);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HotswapError(ERROR_CODES.CHECK_FAILED, `A check of ${name} did not finish within ${timeoutMs} ms`, { hint: 'Make the check faster (or resolve its promise); the last good version keeps serving.' })), timeoutMs);
    timer.unref();
  });
  try {
    const result = await Promise.race([Promise.resolve().then(run), timeout]);
    if (result === false) {
      throw new HotswapError(ERROR_CODES.CHECK_FAILED, `A check of ${name} returned false: the staged version was not committed`, { location: { file, line: 1, column: 1 }, hint: 'Fix the module so its import.meta.hot.check passes; the last good version keeps serving.' });
    }
  } catch (error) {
    if (isHotswapError(error)) throw error;
    const location = firstProjectFrame(error, (f) => runtime.isProjectFile(f)) ?? { file, line: 1, column: 1 };
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new HotswapError(ERROR_CODES.CHECK_FAILED, `A check of ${name} failed: ${message}`, { cause: error, location, frame: runtime.frameFor(location), hint: 'Fix the module so its import.meta.hot.check passes; the last good version keeps serving.' });
  } finally {
    clearTimeout(timer);
  }
}
