/**
 * Starts the control server after `hotswap run` started the app (the CLI calls
 * it). A control server that cannot start is reported and the app keeps running
 * without it: the control plane is never a reason for the app to go down.
 */
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { ControlServer } from './control-server.ts';

/** What of the running app the control plane needs (the CLI's RunningApp fits). */
export interface ControlApp {
  runtime: Runtime;
  reporter: { info(message: string, data?: Record<string, unknown>): void; error(error: unknown, context?: string): void };
  config: { control?: unknown };
}

export interface ControlFlags {
  control?: boolean;
  controlPort?: number | string;
}

export async function startForApp(app: ControlApp, flags: ControlFlags): Promise<ControlServer | undefined> {
  const { runtime, reporter } = app;
  if (flags.control === false) return undefined;
  try {
    // Loaded here, after the app started: the HTTP stack is ~100 ms of imports the app's start need not wait for.
    const [{ startControlServer }, { parseControlConfig }] = await Promise.all([import('./control-server.ts'), import('./schemas.ts')]);
    const config = parseControlConfig(app.config.control);
    if ('error' in config) {
      throw new HotswapError(ERROR_CODES.CONFIG, `Invalid control config: ${config.error}`, { hint: 'control: { port?: number, allowOrigins?: string[] } or control: false' });
    }
    if (config.options === false) return undefined;
    const { options } = config;
    const port = flags.controlPort === undefined ? (options.port ?? 0) : parsePort(flags.controlPort);
    const server = await startControlServer({ runtime, port, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}) });
    if (server.replacedPid !== undefined) {
      reporter.info(`another hotswap process (pid ${server.replacedPid}) was registered in .hotswap/control.json; the CLI now talks to this one`);
    }
    reporter.info(`control ${server.url} · dashboard ${server.dashboardUrl}`, { event: 'control', url: server.url, dashboard: server.dashboardUrl });
    // On SIGINT/SIGTERM run-command closes the runtime and re-raises the signal; a process killed by a
    // signal never emits 'exit', so control.json is removed here.
    runtime.on('close', () => void server.close());
    return server;
  } catch (error) {
    reporter.error(error, 'control');
    reporter.info('continuing without the control server');
    return undefined;
  }
}

function parsePort(value: number | string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new HotswapError(ERROR_CODES.USAGE, `--control-port must be a port number (0-65535), got "${value}"`, { hint: 'Use 0 for a free port.' });
  }
  return port;
}
