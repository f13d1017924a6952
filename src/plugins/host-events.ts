/**
 * What a plugin host tells the outside world (a log, the control plane).
 * Every event is a plain, JSON-serializable object.
 */
import type { SerializedError } from '../errors.ts';

/** Why a plugin got a new version. */
export type ReloadReason = 'module' | 'asset' | 'manual' | 'enable';

/** Lifecycle phase in which a plugin failed. */
export type FailurePhase = 'load' | 'evaluate' | 'migrate' | 'setup' | 'health' | 'smoke' | 'conflict' | 'invalid';

export interface PluginHostEvents {
  /**
   * A plugin's first version went live (at start, or a new plugin file). Plugin versions count the
   * plugin's versions that went live; `moduleVersion` is its file's module version (every evaluation
   * of the file counts, failed attempts too): the number `hotswap` prints as `file@vN`.
   */
  'plugin:loaded': { name: string; file: string; version: number; transaction: number | undefined; moduleVersion: number | undefined };
  /** A plugin's new version replaced the previous one. */
  'plugin:reloaded': { name: string; file: string; version: number; previousVersion: number; reason: ReloadReason; transaction: number | undefined; moduleVersion: number | undefined };
  /** A new version failed to stage; `serving` is the version still live (none for a new plugin). */
  'plugin:failed': { name: string; file: string; phase: FailurePhase; error: SerializedError; serving: number | undefined; transaction: number | undefined };
  'plugin:disabled': { name: string; file: string; version: number };
  'plugin:enabled': { name: string; file: string; version: number };
  /** Its file was deleted, or `unload()` was called: registrations removed, record forgotten. */
  'plugin:unloaded': { name: string; file: string; version: number | undefined };
  /** A replaced version was torn down (`timedOut`: after the drain timeout, calls still running); `calls`: how many were running when it was replaced. */
  'plugin:drained': { name: string; version: number; timedOut: boolean; calls: number };
  /** The drain timeout expired with calls still running on an old version: they are named. */
  'plugin:drain-timeout': { name: string; version: number; running: string[]; message: string };
  /** A handler, hook or cleanup threw; the host keeps serving. */
  'plugin:error': { name: string; version: number; kind: string; target: string; error: SerializedError };
  /** An asset's content changed (the new content is served from now on). */
  'asset:changed': { file: string };
  /** An asset failed to re-read (bad JSON, deleted): its last good content is still served. */
  'asset:error': { file: string; error: SerializedError };
}

export type PluginHostEventName = keyof PluginHostEvents;

type Listener<E extends PluginHostEventName> = (payload: PluginHostEvents[E]) => void;
type AnyListener = <E extends PluginHostEventName>(event: E, payload: PluginHostEvents[E]) => void;

/** A small typed emitter; listeners are isolated (a throwing listener never reaches the host). */
export class HostEmitter {
  readonly #listeners = new Map<PluginHostEventName, Set<(payload: never) => void>>();
  readonly #any = new Set<AnyListener>();

  on<E extends PluginHostEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  onAny(listener: AnyListener): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }

  emit<E extends PluginHostEventName>(event: E, payload: PluginHostEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<E>)(payload);
      } catch {
        // a listener's bug must not break a swap
      }
    }
    for (const listener of this.#any) {
      try {
        listener(event, payload);
      } catch {
        // same
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
    this.#any.clear();
  }
}
