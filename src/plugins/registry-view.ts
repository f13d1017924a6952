/**
 * The host's lookup tables, built from the active versions of all plugins.
 * A view is immutable: a swap builds the next view (rejecting conflicts) before
 * commit, and the commit replaces the host's view reference in one assignment,
 * so a lookup sees every plugin's registrations either all old or all new.
 */
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { HttpMethod } from './define-plugin.ts';
import type { CommandEntry, HookEntry, PluginVersion, RouteEntry, ToolEntry } from './plugin-version.ts';

export interface Owned<E> {
  version: PluginVersion;
  entry: E;
}

interface CompiledRoute extends Owned<RouteEntry> {
  method: HttpMethod;
  segments: string[];
}

export interface RouteMatch extends Owned<RouteEntry> {
  params: Record<string, string>;
}

export interface Conflict {
  owner: PluginVersion;
  claimant: PluginVersion;
  what: string;
}

export class RegistryView {
  readonly tools = new Map<string, Owned<ToolEntry>>();
  readonly commands = new Map<string, Owned<CommandEntry>>();
  readonly hooks = new Map<string, Owned<HookEntry>[]>();
  /** Versions in plugin load order. */
  readonly versions: readonly PluginVersion[];
  readonly #routes: CompiledRoute[] = [];

  static readonly EMPTY: RegistryView = new RegistryView([]);

  /** Claims that lost to an earlier plugin (the first in load order keeps the name). */
  readonly conflicts: Conflict[] = [];

  /** `versions` in plugin load order (it orders hooks with equal `order`, and settles conflicts). */
  constructor(versions: readonly PluginVersion[]) {
    this.versions = versions;
    const names = new Map<string, PluginVersion>();
    for (const version of versions) {
      const owner = names.get(version.name);
      if (owner) {
        this.conflicts.push({ owner, claimant: version, what: `the plugin name "${version.name}"` });
        continue;
      }
      names.set(version.name, version);
      const { tools, commands, routes, hooks } = version.registrations;
      for (const [name, entry] of tools) {
        const taken = this.tools.get(name);
        if (taken) this.conflicts.push({ owner: taken.version, claimant: version, what: `tool "${name}"` });
        else this.tools.set(name, { version, entry });
      }
      for (const [name, entry] of commands) {
        const taken = this.commands.get(name);
        if (taken) this.conflicts.push({ owner: taken.version, claimant: version, what: `command "${name}"` });
        else this.commands.set(name, { version, entry });
      }
      for (const entry of routes) {
        const taken = this.#routes.find((r) => r.entry.path === entry.path && (r.method === entry.method || r.method === '*' || entry.method === '*'));
        if (taken) this.conflicts.push({ owner: taken.version, claimant: version, what: `route ${entry.method} ${entry.path}` });
        else this.#routes.push({ version, entry, method: entry.method, segments: splitPath(entry.path) });
      }
      for (const entry of hooks) {
        const list = this.hooks.get(entry.event) ?? [];
        list.push({ version, entry });
        this.hooks.set(entry.event, list);
      }
    }
    // Array.prototype.sort is stable: equal `order` keeps plugin load order, then registration order.
    for (const list of this.hooks.values()) list.sort((a, b) => a.entry.order - b.entry.order);
  }

  /** The route for a request, with its `:params`. Exact segments win over params when both match. */
  matchRoute(method: string, pathname: string): RouteMatch | undefined {
    const segments = splitPath(pathname);
    let best: { route: CompiledRoute; params: Record<string, string>; score: number } | undefined;
    for (const route of this.#routes) {
      if (route.method !== '*' && route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      if (route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let score = 0;
      let matched = true;
      for (let i = 0; i < segments.length; i++) {
        const pattern = route.segments[i] as string;
        const actual = segments[i] as string;
        if (pattern.startsWith(':')) params[pattern.slice(1)] = safeDecode(actual);
        else if (pattern === actual) score++;
        else {
          matched = false;
          break;
        }
      }
      if (matched && (!best || score > best.score)) best = { route, params, score };
    }
    return best && { version: best.route.version, entry: best.route.entry, params: best.params };
  }

  routes(): { method: HttpMethod; path: string; plugin: string; version: number }[] {
    return this.#routes.map((r) => ({ method: r.method, path: r.entry.path, plugin: r.version.name, version: r.version.version }));
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The error for a conflict, about `culprit` (the plugin being set up). */
export function conflictError(culprit: PluginVersion, other: PluginVersion, what: string): HotswapError {
  return new HotswapError(ERROR_CODES.PLUGIN_CONFLICT, `Plugin "${culprit.name}" (${culprit.file}) claims ${what}, which plugin "${other.name}" (${other.file}) also claims`, {
    hint: 'Rename one of the two; the plugin that is already live keeps it.',
  });
}
