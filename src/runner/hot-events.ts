/**
 * `import.meta.hot.on(event, cb)` listeners of every version, and the events hotswap emits to
 * them (`hotswap:beforeUpdate`, `hotswap:afterUpdate`, `hotswap:error`). A throwing listener is
 * reported and never stops the others.
 */
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { EventCallback } from './hot-context.ts';

export class HotEvents {
  readonly #listeners = new Map<string, Set<EventCallback>>();
  readonly #onError: (error: HotswapError) => void;

  constructor(onError: (error: HotswapError) => void) {
    this.#onError = onError;
  }

  emit(event: string, payload: unknown): void {
    for (const callback of this.#listeners.get(event) ?? []) {
      try {
        callback(payload);
      } catch (error) {
        this.#onError(new HotswapError(ERROR_CODES.HOT_CALLBACK, `An import.meta.hot.on('${event}') handler threw: ${String(error)}`, { cause: error }));
      }
    }
  }

  /** Returns the function that removes the listener (a version's hot context calls it when the version is disposed). */
  on(event: string, callback: EventCallback): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(callback);
    return () => set.delete(callback);
  }
}
