/**
 * What an uncaught exception or unhandled rejection under `hotswap run` is:
 * the app's own error (shown as the app's, with its mapped stack and a code
 * frame of the top project frame), a port another process holds, or a fault
 * inside hotswap (the only case that asks for a bug report).
 */
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, HotswapError, isHotswapError, stackFrames, type SourceLocation } from '../errors.ts';
import { codeFrame } from '../shared/code-frame.ts';

export type UncaughtOrigin = 'uncaughtException' | 'unhandledRejection';

/** hotswap's own code (src/ or dist/ of this package): a frame here on top means our bug. */
const OWN_DIRS = ['src', 'dist'].map((d) => fileURLToPath(new URL(`../../${d}/`, import.meta.url)));

export interface ProjectFiles {
  root: string;
  roots: readonly string[];
}

/** Classify what reached the process's uncaught handlers. */
export function describeUncaught(value: unknown, origin: UncaughtOrigin, project: ProjectFiles): HotswapError {
  if (isHotswapError(value)) return value;
  const kind = origin === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception';
  const portInUse = portInUseError(value, project);
  if (portInUse) return portInUse;
  if (!(value instanceof Error)) {
    return new HotswapError(ERROR_CODES.APP_UNCAUGHT, `${kind} in the app: ${describeValue(value)} (not an Error, so there is no stack)`, {
      cause: value,
      hint: 'Throw or reject with an Error to get a stack. hotswap keeps the process running; --no-keep-alive exits as node does.',
    });
  }
  const location = topProjectFrame(value, project);
  if (!location && isOwnFault(value)) {
    return new HotswapError(ERROR_CODES.INTERNAL, `${kind} inside hotswap: ${value.message}`, {
      cause: value,
      hint: 'This is a bug in hotswap, not in your app: please report it to the hotswap maintainers with this output and the command you ran.',
    });
  }
  return new HotswapError(ERROR_CODES.APP_UNCAUGHT, `${kind} in the app: ${headerOf(value)}`, {
    cause: value,
    location,
    frame: location ? frameOf(location) : undefined,
    hint: 'hotswap keeps the process running (--no-keep-alive exits as node does): fix the code and save.',
  });
}

/**
 * What node prints for an uncaught error, with the source-mapped location and
 * the original line instead of the transformed script's `?v=1` ones.
 */
export function crashReport(value: unknown, project: ProjectFiles): string {
  if (!(value instanceof Error)) {
    return `node:internal/process/promises\n[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${describeValue(value)}".]\n\nNode.js ${process.version}\n`;
  }
  const location = topProjectFrame(value, project);
  const lines: string[] = [];
  if (location) {
    const sourceLine = readLines(location.file)?.[location.line - 1];
    lines.push(`${location.file}:${location.line}`);
    if (sourceLine !== undefined) lines.push(sourceLine, `${' '.repeat(Math.max(0, location.column - 1))}^`);
    lines.push('');
  }
  lines.push(typeof value.stack === 'string' ? value.stack : headerOf(value), '', `Node.js ${process.version}`);
  return `${lines.join('\n')}\n`;
}

function portInUseError(value: unknown, project: ProjectFiles): HotswapError | undefined {
  const error = value as NodeJS.ErrnoException & { port?: unknown; address?: unknown };
  if (!(value instanceof Error) || error.code !== 'EADDRINUSE') return undefined;
  const port = typeof error.port === 'number' ? String(error.port) : (/:(\d+)\s*$/.exec(error.message)?.[1] ?? '?');
  const location = topProjectFrame(value, project);
  return new HotswapError(ERROR_CODES.PORT_IN_USE, `port ${port} is already in use: another process holds it, so the app is not listening on it`, {
    cause: value,
    location,
    frame: location ? frameOf(location) : undefined,
    hint: `Stop the other process (find it with: lsof -i :${port}), or give the app another port (e.g. PORT=${Number(port) + 1 || 3001} if it reads one); then save the file that calls listen(), or restart.`,
  });
}

/** The first stack frame in a project file (not node_modules): where the app threw. */
function topProjectFrame(error: Error, project: ProjectFiles): SourceLocation | undefined {
  for (const frame of stackFrames(error)) {
    const match = /\(?((?:\/|[A-Za-z]:\\)[^\s():?]+)(?:\?v=\d+)?:(\d+):(\d+)\)?$/.exec(frame);
    if (!match) continue;
    const file = match[1] as string;
    if (file.includes(`${sep}node_modules${sep}`) || !project.roots.some((root) => file.startsWith(root + sep))) continue;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

function isOwnFault(error: Error): boolean {
  const top = stackFrames(error).find((f) => !f.includes('node:') && /(?:\/|[A-Za-z]:\\)/.test(f));
  return top !== undefined && OWN_DIRS.some((dir) => top.includes(dir));
}

function frameOf(location: SourceLocation): string | undefined {
  const lines = readLines(location.file);
  return lines ? codeFrame(lines.join('\n'), location.line, location.column) : undefined;
}

function readLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

function headerOf(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

function describeValue(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

