/**
 * The host's public registries. Each call reads the live view once, picks the
 * owning version and starts the call on it before returning: from then on
 * the call holds that version, whatever commits meanwhile.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, HotswapError, serializeError } from '../errors.ts';
import type { CommandMeta, HttpMethod, ToolMeta } from './define-plugin.ts';
import { asPluginError } from './plugin-error.ts';
import type { RegistryView } from './registry-view.ts';

export interface ToolInfo {
  name: string;
  plugin: string;
  version: number;
  description: string | undefined;
  meta: ToolMeta;
}

export interface CommandInfo {
  name: string;
  plugin: string;
  version: number;
  description: string | undefined;
  meta: CommandMeta;
}

export interface Registries {
  tools: {
    /** Call a tool on the live version of the plugin that registers it. Rejects with HS_TOOL_NOT_FOUND, or with the handler's error. */
    call(name: string, args?: unknown): Promise<unknown>;
    list(): ToolInfo[];
    has(name: string): boolean;
  };
  commands: {
    run(name: string, args?: string[]): Promise<unknown>;
    list(): CommandInfo[];
    has(name: string): boolean;
  };
  routes: {
    /**
     * Serve `req` if a plugin route matches (mount it in a node:http handler):
     * returns false when none does, so the app can answer itself.
     */
    handle(req: IncomingMessage, res: ServerResponse): boolean;
    list(): { method: HttpMethod; path: string; plugin: string; version: number }[];
  };
  emit<P>(event: string, payload: P): Promise<P>;
}

export interface RegistriesDeps {
  view(): RegistryView;
  closed(): boolean;
}

export function createRegistries(deps: RegistriesDeps): Registries {
  const closedError = (): HotswapError => new HotswapError(ERROR_CODES.CLOSED, 'The plugin host is closed');
  return {
    tools: {
      call(name, args) {
        if (deps.closed()) return Promise.reject(closedError());
        const view = deps.view();
        const owned = view.tools.get(name);
        if (!owned) {
          return Promise.reject(new HotswapError(ERROR_CODES.TOOL_NOT_FOUND, `No tool "${name}"`, { hint: `Tools: ${[...view.tools.keys()].join(', ') || '(none)'}.` }));
        }
        return owned.version.run('tool', name, (info) => owned.entry.handler(args, info));
      },
      list: () =>
        [...deps.view().tools.values()].map(({ version, entry }) => ({ name: entry.name, plugin: version.name, version: version.version, description: entry.meta.description, meta: entry.meta })),
      has: (name) => deps.view().tools.has(name),
    },
    commands: {
      run(name, args = []) {
        if (deps.closed()) return Promise.reject(closedError());
        const view = deps.view();
        const owned = view.commands.get(name);
        if (!owned) {
          return Promise.reject(new HotswapError(ERROR_CODES.COMMAND_NOT_FOUND, `No command "${name}"`, { hint: `Commands: ${[...view.commands.keys()].join(', ') || '(none)'}.` }));
        }
        return owned.version.run('command', name, (info) => owned.entry.handler(args, info));
      },
      list: () =>
        [...deps.view().commands.values()].map(({ version, entry }) => ({ name: entry.name, plugin: version.name, version: version.version, description: entry.meta.description, meta: entry.meta })),
      has: (name) => deps.view().commands.has(name),
    },
    routes: {
      handle(req, res) {
        if (deps.closed()) return false;
        const method = (req.method ?? 'GET').toUpperCase();
        const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
        const match = deps.view().matchRoute(method, pathname);
        if (!match) return false;
        const name = `${match.entry.method} ${match.entry.path}`;
        match.version.run('route', name, (info) => match.entry.handler(req, res, match.params, info)).then(
          (value) => {
            if (value === undefined || res.writableEnded) return;
            if (!res.headersSent) res.setHeader('content-type', 'application/json; charset=utf-8');
            res.end(JSON.stringify(value));
          },
          (error: unknown) => {
            if (res.headersSent) {
              res.destroy();
              return;
            }
            res.statusCode = 500;
            res.setHeader('content-type', 'application/json; charset=utf-8');
            res.end(JSON.stringify({ error: serializeError(asPluginError(error)) }));
          },
        );
        return true;
      },
      list: () => deps.view().routes(),
    },
    async emit<P>(event: string, payload: P): Promise<P> {
      if (deps.closed()) return payload;
      const hooks = deps.view().hooks.get(event) ?? [];
      // Hold every version of the chain now: a swap during the chain cannot tear one down before its hook ran.
      const leaves = hooks.map(({ version }) => version.enter('hook', event));
      let current = payload;
      for (const [i, { version, entry }] of hooks.entries()) {
        const leave = leaves[i] as (error?: unknown) => void;
        try {
          const next = await entry.handler(current, version.info);
          leave();
          if (next !== undefined) current = next as P;
        } catch (error) {
          // A broken extension is counted and skipped; the message still goes through.
          leave(error);
        }
      }
      return current;
    },
  };
}
