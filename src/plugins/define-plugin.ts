/**
 * The plugin contract. A plugin file's default export is a `PluginDefinition`;
 * the host calls `setup` once per version with a fresh `PluginContext`, and
 * everything `setup` registers becomes one immutable snapshot that replaces
 * the previous version's in a single synchronous step.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler learns about the call it serves. */
export interface CallInfo {
  /** Plugin name. */
  plugin: string;
  /** Plugin version serving this call (1 for the first setup, +1 per committed reload). */
  version: number;
  /**
   * Aborted when this version is torn down while the call still runs (the drain
   * timeout expired): long calls should stop when it fires.
   */
  signal: AbortSignal;
}

export type ToolHandler<A = any, R = unknown> = (args: A, call: CallInfo) => R | Promise<R>;
export type CommandHandler<R = unknown> = (args: string[], call: CallInfo) => R | Promise<R>;
/**
 * A route handler answers with `res` as under node:http, or returns a value:
 * a returned value other than `undefined` is sent as JSON if `res` was not ended.
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, call: CallInfo) => unknown;
/** An extension hook: return a new payload to replace it for the next hooks, or nothing to keep it. */
export type HookHandler<P = any> = (payload: P, call: CallInfo) => P | void | Promise<P | void>;
export type Cleanup = () => void | Promise<void>;

export interface ToolMeta {
  /** One line for humans and planners; often read from a prompt file with `ctx.asset`. */
  description?: string;
  [key: string]: unknown;
}

export interface CommandMeta {
  description?: string;
  [key: string]: unknown;
}

export interface HookOptions {
  /** Lower runs first; ties run in plugin load order, then registration order. @default 0 */
  order?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | '*';

/** The `ctx` handed to `setup`. Registration methods work only while `setup` runs. */
export interface PluginContext<S extends object = Record<string, unknown>> {
  readonly name: string;
  /** The version being set up. */
  readonly version: number;
  /** Absolute path of the plugin file. */
  readonly file: string;
  /**
   * This version's state: what `migrate` returned, or a fresh `{}` (first
   * version, or no `migrate`). Handlers may read and write it at any time.
   */
  state: S;
  /** Aborted when this version is torn down. */
  readonly signal: AbortSignal;
  tool<A = any, R = unknown>(name: string, handler: ToolHandler<A, R>, meta?: ToolMeta): void;
  command<R = unknown>(name: string, handler: CommandHandler<R>, meta?: CommandMeta): void;
  /** `path` matches the URL's pathname exactly; `:name` segments capture `params.name`. */
  route(method: HttpMethod, path: string, handler: RouteHandler): void;
  /** Listen to a host event (`host.emit`), e.g. the extension hooks `message:before` / `message:after`. */
  on<P = any>(event: string, handler: HookHandler<P>, options?: HookOptions): void;
  /** Runs when this version is torn down: after its last in-flight call returned, or after the drain timeout. */
  onDispose(cleanup: Cleanup): void;
  /**
   * Current content of an asset file: text, or parsed JSON for `.json`. Paths are
   * relative to the host's `assetsDir` (default: the plugin file's directory).
   * Assets read during `setup` are tracked: when one changes, the plugin is set up again.
   * A JSON file that stops parsing keeps its last good content (the error is reported).
   */
  asset<T = unknown>(path: `${string}.json`): T;
  asset(path: string): string;
}

/** What `health` and `smoke` get: the staged version, before it is committed. Calls are not counted in stats. */
export interface PluginProbe<S extends object = Record<string, unknown>> {
  readonly name: string;
  readonly version: number;
  readonly state: S;
  /** Call one of this version's own tools. */
  call(tool: string, args?: unknown): Promise<unknown>;
  /** Run one of this version's own commands. */
  run(command: string, args?: string[]): Promise<unknown>;
  /** Run this version's own hooks for `event`. */
  emit<P>(event: string, payload: P): Promise<P>;
  asset<T = unknown>(path: `${string}.json`): T;
  asset(path: string): string;
}

export interface PluginDefinition<S extends object = Record<string, unknown>> {
  /** Unique among the host's plugins; names the plugin in stats, events and errors. */
  name: string;
  /** Register tools, commands, routes and hooks. May be async; may return a cleanup function. */
  setup(ctx: PluginContext<S>): void | Cleanup | Promise<void | Cleanup>;
  /** May this version go live? `false` or a throw keeps the previous version serving. */
  health?(probe: PluginProbe<S>): boolean | void | Promise<boolean | void>;
  /** Quick checks against the staged version before the swap; a throw keeps the previous version serving. */
  smoke?(probe: PluginProbe<S>): void | Promise<void>;
  /**
   * The new version's state from the previous version's. Runs before the swap, while
   * the previous version still serves: return `previousState` itself (or mutate it in
   * place) so that writes of calls still running on the previous version are kept.
   * Without `migrate` every version starts with a fresh `{}`.
   */
  migrate?(previousState: unknown, previousVersion: number): S | Promise<S>;
}

/** Identity at run time; gives a plugin file its types. */
export function definePlugin<S extends object = Record<string, unknown>>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition;
}

/** Structural check (a reloaded module has no shared class or brand to test). */
export function isPluginDefinition(value: unknown): value is PluginDefinition<object> {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['name'] === 'string' && candidate['name'] !== '' && typeof candidate['setup'] === 'function';
}
