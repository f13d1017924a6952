/**
 * Plugin-host test helpers: a temp project with plugin files, a runtime and a
 * host over it, and waiting on host events (never on time).
 */
import type { TestContext } from 'node:test';
import { createPluginHost, createRuntime, type PluginHost, type PluginHostEventName, type PluginHostEvents, type PluginHostOptions, type Runtime } from '../../src/index.ts';
import { createProject, type TempProject } from '../support/project.ts';

export { deferred, waitFor } from '../support/project.ts';

export interface HostFixture {
  project: TempProject;
  runtime: Runtime;
  host: PluginHost;
  /** Warnings and errors the host logged. */
  logs: { level: 'warn' | 'error'; message: string }[];
}

export interface FixtureOptions extends Partial<Omit<PluginHostOptions, 'runtime' | 'logger'>> {
  watch?: boolean;
  /** Don't call `host.start()`. */
  noStart?: boolean;
}

/** Files are written before the runtime starts; plugins live in `plugins/` unless `dirs` says otherwise. */
export async function hostFixture(t: TestContext, files: Record<string, string>, options: FixtureOptions = {}): Promise<HostFixture> {
  const project = createProject(files);
  const runtime = createRuntime({ root: project.dir, cacheDir: false, watch: options.watch ? { settleMs: 20 } : false });
  const logs: HostFixture['logs'] = [];
  const { watch: _watch, noStart, ...rest } = options;
  const host = createPluginHost({
    dirs: ['plugins'],
    drainTimeoutMs: 10_000,
    control: false,
    ...rest,
    runtime,
    logger: { warn: (message) => logs.push({ level: 'warn', message }), error: (message) => logs.push({ level: 'error', message }) },
  });
  t.after(async () => {
    await host.close();
    await runtime.close();
    project.cleanup();
  });
  if (!noStart) await host.start();
  if (options.watch) await runtime.ready();
  return { project, runtime, host, logs };
}

/** Resolves with the first event `event` matching `predicate`, emitted from now on. */
export function nextEvent<E extends PluginHostEventName>(host: PluginHost, event: E, predicate: (payload: PluginHostEvents[E]) => boolean = () => true, timeoutMs = 20_000): Promise<PluginHostEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for host event ${event}`));
    }, timeoutMs);
    const off = host.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** A plugin file whose tool `name` answers with `tag` (and the version serving the call). */
export function taggedTool(plugin: string, tool: string, tag: string, extra = ''): string {
  return `export default {
  name: ${JSON.stringify(plugin)},
  setup(ctx) {
    ctx.tool(${JSON.stringify(tool)}, async (args, call) => ({ tag: ${JSON.stringify(tag)}, version: call.version, args }));
    ${extra}
  },
};
`;
}
