/**
 * Stage one plugin version: state (migrate) → setup → seal → health → smoke.
 * Every user callback runs isolated and bounded in time; any failure tears
 * down what the version set up so far and throws a HotswapError that names
 * the plugin and the phase. Nothing here touches the host's live registries.
 */
import { isAbsolute, resolve } from 'node:path';
import { ERROR_CODES, HotswapError, isHotswapError, type ErrorCode, type SourceLocation } from '../errors.ts';
import { createResourceScope } from '../resources/index.ts';
import type { AssetStore } from './asset-store.ts';
import type { Cleanup, HttpMethod, PluginContext, PluginDefinition, PluginProbe } from './define-plugin.ts';
import { PluginVersion, type CallCounters, type CallKind, type CommandEntry, type HookEntry, type RouteEntry, type ToolEntry } from './plugin-version.ts';
import { RegistryView } from './registry-view.ts';

export interface StageInput {
  definition: PluginDefinition<object>;
  file: string;
  version: number;
  /** The version this one replaces (or the last one before a disable): `migrate`'s input. */
  previous: { state: object; version: number } | undefined;
  assets: AssetStore;
  /** Directory relative asset paths resolve against. */
  assetsDir: string;
  /** Bound on `migrate`, `setup`, `health` and `smoke` each, ms. */
  timeoutMs: number;
  totals: CallCounters;
  onCallError(version: PluginVersion, kind: CallKind, name: string, error: unknown): void;
  onCleanupError(version: PluginVersion, error: unknown): void;
  /** Where a thrown error points in project source, with a code frame. */
  locate(error: unknown): Located | undefined;
}

export interface Located {
  location: SourceLocation;
  frame: string | undefined;
}

/** The phase each error thrown by `stageVersion` comes from. */
const phases = new WeakMap<object, StagePhase>();

export type StagePhase = 'migrate' | 'setup' | 'health' | 'smoke';

export function stagePhaseOf(error: unknown): StagePhase {
  return (typeof error === 'object' && error !== null && phases.get(error)) || 'setup';
}

const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', '*']);

export async function stageVersion(input: StageInput): Promise<PluginVersion> {
  const { definition, file } = input;
  const name = definition.name;
  const state = await guard(input, 'migrate', ERROR_CODES.PLUGIN_SETUP, async () => {
    if (!input.previous || !definition.migrate) return {};
    const migrated = await definition.migrate(input.previous.state, input.previous.version);
    return migrated !== null && typeof migrated === 'object' ? migrated : {};
  });

  const tools = new Map<string, ToolEntry>();
  const commands = new Map<string, CommandEntry>();
  const routes: RouteEntry[] = [];
  const hooks: HookEntry[] = [];
  const cleanups: Cleanup[] = [];
  const assetsRead = new Set<string>();
  const controller = new AbortController();
  let sealed = false;
  /** Set once setup returned: `ctx.onDispose` from then on goes to the version. */
  const sealedVersion: { current: PluginVersion | undefined } = { current: undefined };
  const open = (what: string): void => {
    if (sealed) throw new HotswapError(ERROR_CODES.USAGE, `Plugin "${name}" called ctx.${what}() after setup finished`, { hint: 'Register tools, commands, routes and hooks inside setup (await what you need first).' });
  };
  const readAsset = (path: string): unknown => {
    const absolute = isAbsolute(path) ? path : resolve(input.assetsDir, path);
    if (!sealed) assetsRead.add(absolute);
    return input.assets.read(absolute);
  };

  const ctx: PluginContext<object> = {
    name,
    version: input.version,
    file,
    state,
    signal: controller.signal,
    tool(toolName, handler, meta = {}) {
      open('tool');
      if (tools.has(toolName)) throw new HotswapError(ERROR_CODES.PLUGIN_CONFLICT, `Plugin "${name}" registers tool "${toolName}" twice`);
      tools.set(toolName, { name: toolName, handler, meta: Object.freeze({ ...meta }) });
    },
    command(commandName, handler, meta = {}) {
      open('command');
      if (commands.has(commandName)) throw new HotswapError(ERROR_CODES.PLUGIN_CONFLICT, `Plugin "${name}" registers command "${commandName}" twice`);
      commands.set(commandName, { name: commandName, handler, meta: Object.freeze({ ...meta }) });
    },
    route(method, path, handler) {
      open('route');
      const upper = method.toUpperCase() as HttpMethod;
      if (!METHODS.has(upper)) throw new HotswapError(ERROR_CODES.USAGE, `Plugin "${name}" registers a route with unknown method "${method}"`);
      if (!path.startsWith('/')) throw new HotswapError(ERROR_CODES.USAGE, `Plugin "${name}" registers route path "${path}", which does not start with "/"`);
      routes.push({ method: upper, path, handler });
    },
    on(event, handler, options = {}) {
      open('on');
      hooks.push({ event, handler, order: options.order ?? 0, index: hooks.length });
    },
    onDispose(cleanup) {
      if (sealedVersion.current) sealedVersion.current.addCleanup(cleanup);
      else cleanups.push(cleanup);
    },
    asset: readAsset as PluginContext['asset'],
  };

  // What setup creates (timers, listeners, servers, ...) belongs to this version (src/resources/).
  const scope = createResourceScope({ module: file, version: input.version }, () => !sealed);
  const tearDownPartial = async (): Promise<void> => {
    controller.abort();
    await scope.release('discarded');
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // the setup error is the one to report
      }
    }
  };
  try {
    const returned = await guard(input, 'setup', ERROR_CODES.PLUGIN_SETUP, () => scope.run(() => definition.setup(ctx)));
    if (typeof returned === 'function') cleanups.push(returned as Cleanup);
  } catch (error) {
    sealed = true;
    await tearDownPartial();
    throw error;
  }
  sealed = true;

  const version = new PluginVersion({
    name,
    file,
    version: input.version,
    definition,
    state,
    registrations: { tools, commands, routes, hooks },
    cleanups,
    scope,
    assetsRead,
    controller,
    totals: input.totals,
    onCallError: input.onCallError,
    onCleanupError: input.onCleanupError,
  });
  sealedVersion.current = version;
  try {
    const probe = createProbe(version, readAsset);
    const healthy = await guard(input, 'health', ERROR_CODES.PLUGIN_HEALTH, async () => definition.health?.(probe));
    if (healthy === false) {
      const hint = 'The previous version keeps serving; fix what health() checks and save again.';
      throw tag(new HotswapError(ERROR_CODES.PLUGIN_HEALTH, `Plugin "${name}" v${input.version} reported unhealthy (health() returned false)`, { hint }), 'health');
    }
    await guard(input, 'smoke', ERROR_CODES.PLUGIN_SMOKE, async () => definition.smoke?.(probe));
  } catch (error) {
    await version.dispose();
    throw error;
  }
  return version;
}

/** The staged version as `health` and `smoke` see it: only its own registrations. */
function createProbe(version: PluginVersion, readAsset: (path: string) => unknown): PluginProbe<object> {
  const own = new RegistryView([version]);
  return {
    name: version.name,
    version: version.version,
    state: version.state,
    call(tool, args) {
      const entry = own.tools.get(tool);
      if (!entry) return Promise.reject(new HotswapError(ERROR_CODES.TOOL_NOT_FOUND, `Plugin "${version.name}" has no tool "${tool}"`));
      return version.run('probe', `tool ${tool}`, (info) => entry.entry.handler(args, info));
    },
    run(command, args = []) {
      const entry = own.commands.get(command);
      if (!entry) return Promise.reject(new HotswapError(ERROR_CODES.COMMAND_NOT_FOUND, `Plugin "${version.name}" has no command "${command}"`));
      return version.run('probe', `command ${command}`, (info) => entry.entry.handler(args, info));
    },
    async emit<P>(event: string, payload: P): Promise<P> {
      let current = payload;
      for (const { entry } of own.hooks.get(event) ?? []) {
        const next = await version.run('probe', `hook ${event}`, (info) => entry.handler(current, info));
        if (next !== undefined) current = next as P;
      }
      return current;
    },
    asset: readAsset as PluginProbe['asset'],
  };
}

/** Run a user callback: a throw, a rejection or a timeout becomes a HotswapError naming the plugin and phase. */
async function guard<T>(input: StageInput, phase: StagePhase, code: ErrorCode, fn: () => T | Promise<T>): Promise<Awaited<T>> {
  const plugin = input.definition.name;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new HotswapError(code, `Plugin "${plugin}" ${phase} did not finish within ${input.timeoutMs} ms`, {
        hint: `You may have forgotten to resolve a promise in ${phase}; the previous version keeps serving.`,
      }));
    }, input.timeoutMs);
    // Not unref'd: a setup in progress is work the process is doing, and the timeout must fire.
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } catch (error) {
    throw tag(toStageError(input, phase, code, error), phase);
  } finally {
    clearTimeout(timer);
  }
}

function tag(error: HotswapError, phase: StagePhase): HotswapError {
  if (!phases.has(error)) phases.set(error, phase);
  return error;
}

function toStageError(input: StageInput, phase: StagePhase, code: ErrorCode, error: unknown): HotswapError {
  if (isHotswapError(error) && error.code === code) return error;
  const message = isHotswapError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const located = isHotswapError(error) && error.location ? { location: error.location, frame: error.frame } : input.locate(error);
  return new HotswapError(code, `Plugin "${input.definition.name}" ${phase} failed: ${message}`, {
    cause: error,
    location: located?.location,
    frame: located?.frame,
    hint: isHotswapError(error) && error.hint ? error.hint : 'Fix the error and save again; the previous version keeps serving (a new plugin stays unloaded).',
  });
}
