/**
 * Errors thrown asynchronously by code a queue job evaluated (a server's
 * `listen` failing with EADDRINUSE a tick after the entry's top level ran).
 * Observed, never handled: `uncaughtExceptionMonitor` leaves the process's
 * behaviour as it was, and an `unhandledRejection` listener is added only when
 * the process already has one (otherwise the rejection becomes an uncaught
 * exception, which the monitor sees). `belongs` tells whether the failing code
 * runs in the job's async context.
 */

export interface AsyncErrorCollector {
  /** Errors seen so far, in order. */
  readonly errors: readonly unknown[];
  stop(): void;
}

export function collectAsyncErrors(belongs: () => boolean): AsyncErrorCollector {
  const errors: unknown[] = [];
  const onException = (error: unknown): void => {
    if (belongs()) errors.push(error);
  };
  const onRejection = (reason: unknown): void => {
    if (belongs()) errors.push(reason);
  };
  process.on('uncaughtExceptionMonitor', onException);
  const observeRejections = process.listenerCount('unhandledRejection') > 0;
  if (observeRejections) process.on('unhandledRejection', onRejection);
  return {
    errors,
    stop() {
      process.off('uncaughtExceptionMonitor', onException);
      if (observeRejections) process.off('unhandledRejection', onRejection);
    },
  };
}
