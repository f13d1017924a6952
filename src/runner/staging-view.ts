/**
 * The namespace staged code gets while its transaction runs: a Proxy that reads the
 * staged version of the module (or the committed one when it has none), so the new
 * versions of one change set see each other before anything is committed.
 *
 * It lives only as long as its transaction: at commit every committed version's import
 * bindings are rebound to the modules' `live` namespaces (`committedView`, called by the
 * rebinder the transform adds to each module), so committed code reads the one namespace
 * per module that each commit keeps in sync, and never a proxy. A staging view that
 * escaped as a value (`export const lib = ns`, a `require()` result, a participant's
 * namespace) keeps working: once its transaction ended it reads through `live`, so it
 * never shows the staged versions of a later transaction.
 *
 * Before this, each transaction's namespaces were plain objects kept in sync at every
 * later commit until no version held them: a 1,000-module re-run created, synced and
 * retired 1,000 of them per reload (issue 12).
 */
import { privateSlot } from './private-slot.ts';

/** What a staging view reads: the version staged code sees, and the committed namespace. */
export interface StagingSource {
  /** Export names of the version shown (staged, else committed); undefined: none. */
  stagedNames(): readonly string[] | undefined;
  /** An export of the version shown, as importers see it (functions forwarded). */
  readStaged(name: string): unknown;
  /** The committed namespace: what the view reads once its transaction ended. */
  readonly live: Record<string, unknown>;
}

/** The proxy's target: its state (never visible: every trap is defined). */
interface StagingState {
  readonly source: StagingSource;
  ended: boolean;
}

const stagingSlot = privateSlot<StagingState>();

const TAG = 'Module';

function exported(state: StagingState, key: string | symbol): boolean {
  return typeof key === 'string' && (state.source.stagedNames()?.includes(key) ?? false);
}

/** Like a module namespace: read-only, no prototype, `Symbol.toStringTag` "Module". */
const handler: ProxyHandler<StagingState> = {
  get(state, key) {
    if (state.ended) return Reflect.get(state.source.live, key);
    if (key === Symbol.toStringTag) return TAG;
    return exported(state, key) ? state.source.readStaged(key as string) : undefined;
  },
  has(state, key) {
    if (state.ended) return key in state.source.live;
    return key === Symbol.toStringTag || exported(state, key);
  },
  ownKeys(state) {
    if (state.ended) return Reflect.ownKeys(state.source.live);
    return [...(state.source.stagedNames() ?? []), Symbol.toStringTag];
  },
  getOwnPropertyDescriptor(state, key) {
    if (state.ended) {
      const descriptor = Reflect.getOwnPropertyDescriptor(state.source.live, key);
      // Reported configurable: the proxy's target does not have it (a proxy invariant).
      return descriptor && { ...descriptor, configurable: true };
    }
    if (key === Symbol.toStringTag) return { value: TAG, writable: false, enumerable: false, configurable: true };
    if (!exported(state, key)) return undefined;
    return { value: state.source.readStaged(key as string), writable: false, enumerable: true, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  getPrototypeOf: () => null,
  setPrototypeOf: () => false,
};

export function createStagingView(source: StagingSource): Record<string, unknown> {
  const state: StagingState = { source, ended: false };
  const view = new Proxy(state, handler) as unknown as Record<string, unknown>;
  stagingSlot.attach(view, state);
  return view;
}

/** Its transaction ended (committed or aborted): from now on it reads the committed namespace. */
export function endStagingView(view: object): void {
  const state = stagingSlot.read(view);
  if (state) state.ended = true;
}

/** What an import binding holds after the commit: a staging view's committed namespace, anything else as it is. */
export function committedView(namespace: unknown): unknown {
  if (namespace === null || typeof namespace !== 'object') return namespace;
  return stagingSlot.read(namespace)?.source.live ?? namespace;
}
