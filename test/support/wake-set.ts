/**
 * Waiting on a condition that an event source makes true: the source calls
 * `wake()` after each event; `until(check)` resolves as soon as `check()` holds,
 * or rejects after a safety timeout with what was awaited and what was seen.
 */
export interface WakeSet {
  wake(): void;
  until(check: () => boolean, what: string, seen?: () => unknown): Promise<void>;
}

export function createWakeSet(timeoutMs = 10_000): WakeSet {
  const waiters = new Set<() => void>();
  return {
    wake() {
      for (const waiter of waiters) waiter();
    },
    until(check, what, seen) {
      return new Promise((resolve, reject) => {
        if (check()) return resolve();
        const waiter = (): void => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what}${seen ? `; so far: ${JSON.stringify(seen())}` : ''}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
