/**
 * The error catalogue. Every error hotswap reports to a user has a stable `code`
 * from this list and a message that says what to do. Expected outcomes of a
 * reload (a syntax error, a missing export) are errors of this class carried in
 * a `ReloadResult`; they are never thrown out of the runtime.
 */
export const ERROR_CODES = {
  SYNTAX: 'HS_SYNTAX',
  EVALUATION: 'HS_EVALUATION',
  MODULE_NOT_FOUND: 'HS_MODULE_NOT_FOUND',
  FILE_DELETED: 'HS_FILE_DELETED',
  MISSING_EXPORT: 'HS_MISSING_EXPORT',
  EXPORT_KIND_CHANGED: 'HS_EXPORT_KIND_CHANGED',
  DECLINED: 'HS_DECLINED',
  REQUIRE_ESM: 'HS_REQUIRE_ESM',
  HOT_CALLBACK: 'HS_HOT_CALLBACK',
  CONFIG: 'HS_CONFIG',
  USAGE: 'HS_USAGE',
  CLOSED: 'HS_CLOSED',
  /** bin/hotswap.js: Node older than the supported floor (written there as a literal: it must run on any Node). */
  NODE_VERSION: 'HS_NODE_VERSION',
  /** A module runs no good version: its new version failed and its old one failed to evaluate again. */
  FATAL: 'HS_FATAL',
  /** Watcher: the onChange callback threw or rejected; the watcher keeps going. */
  WATCH_ON_CHANGE_FAILED: 'HS_WATCH_ON_CHANGE_FAILED',
  /** Watcher: the file system watcher reported an error (limits, permissions). */
  WATCH_FS_FAILED: 'HS_WATCH_FS_FAILED',
  /** Reloads kept triggering reloads (`import.meta.hot.invalidate()` in a loop): the chain was stopped. */
  RELOAD_LOOP: 'HS_RELOAD_LOOP',
  /** A bug in hotswap itself: a thrown value that is not a HotswapError. */
  INTERNAL: 'HS_INTERNAL',
  /** Control API: missing or wrong bearer token (401). */
  CONTROL_AUTH: 'HS_CONTROL_AUTH',
  /** Control API: foreign Host/Origin, or a read-only token on a write endpoint (403). */
  CONTROL_FORBIDDEN: 'HS_CONTROL_FORBIDDEN',
  /** Control API: malformed, oversized or invalid request body (400/413/415). */
  CONTROL_BAD_REQUEST: 'HS_CONTROL_BAD_REQUEST',
  /** Control API: unknown route or module (404). */
  CONTROL_NOT_FOUND: 'HS_CONTROL_NOT_FOUND',
  /** CLI: no running hotswap process answers for this project. */
  NOT_RUNNING: 'HS_NOT_RUNNING',
  /** `.hotswap/` or a file in it is not the user's own, is writable by others, or is not a plain file/directory. */
  UNSAFE_FILE: 'HS_UNSAFE_FILE',
  /** Plugin host: a plugin file's default export is not a `definePlugin(...)` definition. */
  PLUGIN_INVALID: 'HS_PLUGIN_INVALID',
  /** Plugin host: `setup` threw, rejected or did not finish in time. */
  PLUGIN_SETUP: 'HS_PLUGIN_SETUP',
  /** Plugin host: `health` returned false or threw. */
  PLUGIN_HEALTH: 'HS_PLUGIN_HEALTH',
  /** Plugin host: `smoke` threw against the staged version. */
  PLUGIN_SMOKE: 'HS_PLUGIN_SMOKE',
  /** Plugin host: two plugins share a name or register the same tool, command or route. */
  PLUGIN_CONFLICT: 'HS_PLUGIN_CONFLICT',
  /** Plugin host: no plugin by that name or file. */
  PLUGIN_NOT_FOUND: 'HS_PLUGIN_NOT_FOUND',
  /** Plugin host: no enabled plugin registers this tool. */
  TOOL_NOT_FOUND: 'HS_TOOL_NOT_FOUND',
  /** Plugin host: no enabled plugin registers this command. */
  COMMAND_NOT_FOUND: 'HS_COMMAND_NOT_FOUND',
  /** Plugin host: an asset file is missing, or a JSON asset does not parse. */
  ASSET: 'HS_ASSET',
  /** Plugin host: a plugin's handler, hook or cleanup threw (the app's error; the host keeps serving). */
  PLUGIN_ERROR: 'HS_PLUGIN_ERROR',
  /** The app's own uncaught exception or unhandled rejection (not hotswap's): shown with its mapped stack. */
  APP_UNCAUGHT: 'HS_APP_UNCAUGHT',
  /** The app's server could not listen: another process holds the port. */
  PORT_IN_USE: 'HS_PORT_IN_USE',
  /** CLI: a file named on the command line does not exist. */
  FILE_NOT_FOUND: 'HS_FILE_NOT_FOUND',
  /** Versions: `apply` cannot build the new source (unknown mode, no such export in the module or in --from). */
  APPLY: 'HS_APPLY',
  /** Versions: `apply`/`rollback` named a path outside the project roots (`..`, another directory, a symlink out). */
  PATH_OUTSIDE_ROOTS: 'HS_PATH_OUTSIDE_ROOTS',
  /** Versions: no version with that id or `module@n`. */
  VERSION_NOT_FOUND: 'HS_VERSION_NOT_FOUND',
  /** Versions: the version store could not be opened; hotswap runs without history. */
  VERSIONS_UNAVAILABLE: 'HS_VERSIONS_UNAVAILABLE',
  /** `import.meta.hot.check` threw, returned false or timed out against the staged version. */
  CHECK_FAILED: 'HS_CHECK_FAILED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Where in a source file an error points (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface HotswapErrorOptions {
  cause?: unknown;
  location?: SourceLocation | undefined;
  frame?: string | undefined;
  hint?: string | undefined;
}

const BRAND = Symbol.for('hotswap.error');

export class HotswapError extends Error {
  override name = 'HotswapError' as const;
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  /** A code frame of the source around `location`, ready to print. */
  readonly frame: string | undefined;
  /** What the user should do about it. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: HotswapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
    this.frame = options.frame;
    this.hint = options.hint;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Serializable shape, in the spirit of esbuild's `Message`. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export interface SerializedError {
  code: string;
  text: string;
  location: SourceLocation | null;
  frame: string | null;
  hint: string | null;
  detail: string | null;
}

/**
 * Brand check instead of `instanceof`: a reloaded module may hold a
 * HotswapError class from another copy of this package.
 */
export function isHotswapError(value: unknown): value is HotswapError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Caps of each serialized field, in characters: a serialized error is copied
 * into stderr, /api/status, every event-stream client and the event ring, and
 * an app may throw a 5 MB message.
 */
export const ERROR_TEXT_LIMITS = { text: 2000, frame: 4000, hint: 1000, detail: 8000 } as const;

export function serializeError(error: unknown): SerializedError {
  if (isHotswapError(error)) {
    const cause = error.cause;
    return {
      code: error.code,
      text: cap(error.message, ERROR_TEXT_LIMITS.text),
      location: error.location ?? null,
      frame: capOrNull(error.frame, ERROR_TEXT_LIMITS.frame),
      hint: capOrNull(error.hint, ERROR_TEXT_LIMITS.hint),
      detail: capOrNull(cause instanceof Error ? (cause.stack ?? cause.message) : cause === undefined ? undefined : safeString(cause), ERROR_TEXT_LIMITS.detail),
    };
  }
  const err = error instanceof Error ? error : new Error(safeString(error));
  return { code: ERROR_CODES.INTERNAL, text: cap(err.message, ERROR_TEXT_LIMITS.text), location: null, frame: null, hint: null, detail: capOrNull(err.stack, ERROR_TEXT_LIMITS.detail) };
}

function cap(text: string, max: number): string {
  const value = String(text);
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

function capOrNull(text: string | undefined, max: number): string | null {
  return text === undefined || text === null ? null : cap(text, max);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Multi-line human rendering: `file:line:col`, message, frame, hint, cause. */
export function formatError(error: unknown, cwd: string = process.cwd()): string {
  const data = serializeError(error);
  const lines: string[] = [];
  const where = data.location ? `${relativePath(data.location.file, cwd)}:${data.location.line}:${data.location.column}` : '';
  lines.push(`${where ? `${where} ` : ''}${data.code}: ${data.text}`);
  if (data.frame) lines.push(data.frame);
  const cause = isHotswapError(error) ? error.cause : undefined;
  if (data.code === ERROR_CODES.APP_UNCAUGHT || data.code === ERROR_CODES.INTERNAL) {
    // The app's (or our) stack is the point of the message: its frames, project-relative, under the frame.
    const frames = cause instanceof Error ? stackFrames(cause).map((f) => `    ${f.replaceAll(`${cwd}/`, '')}`) : [];
    if (frames.length > 0) lines.push(...frames);
  } else if (cause instanceof Error && !data.frame && data.detail) {
    lines.push(`cause: ${data.detail}`);
  }
  if (data.hint) lines.push(`hint: ${data.hint}`);
  return lines.join('\n');
}

/** The `at ...` lines of an error's stack (already source-mapped by the runner). */
export function stackFrames(error: Error): string[] {
  return (typeof error.stack === 'string' ? error.stack.split('\n') : []).filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
}

export function relativePath(file: string, cwd: string): string {
  return file.startsWith(cwd + '/') ? file.slice(cwd.length + 1) : file;
}
