/**
 * The CLI's side of the control plane: find the running process through
 * `.hotswap/control.json`, call its API with the token from `.hotswap/token`,
 * and read its event stream. Every way of not reaching it is an
 * `HS_NOT_RUNNING` error that says what to do.
 */
import { ERROR_CODES, HotswapError, type SourceLocation } from '../errors.ts';
import { controlPaths, findControlProject, isProcessAlive, readControlInfo, readToken, type ControlInfo } from './control-files.ts';

export interface StreamedEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

export interface ControlClient {
  project: string;
  info: ControlInfo;
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  /** Reads `/api/events` (after event `afterSeq`, if given) until `signal` aborts or the server goes away. */
  stream(onEvent: (event: StreamedEvent) => void, options?: { signal?: AbortSignal; afterSeq?: number }): Promise<void>;
}

/** Locate the process for `cwd` (or a parent directory) and check that it is alive. */
export function connectControl(cwd: string): ControlClient {
  const project = findControlProject(cwd);
  if (!project) {
    throw new HotswapError(ERROR_CODES.NOT_RUNNING, `no running hotswap process found in ${cwd}: start one with hotswap run <entry>`, {
      hint: 'Run this command in the project directory (where .hotswap/control.json is written), or pass --cwd <dir>.',
    });
  }
  const info = readControlInfo(project);
  const token = readToken(project, 'admin');
  if (!info || !token) {
    throw new HotswapError(ERROR_CODES.NOT_RUNNING, `no running hotswap process found in ${project}: ${controlPaths(project).info} or its token is unreadable`, {
      hint: 'Start the app with hotswap run <entry> (it writes both files).',
    });
  }
  if (!isProcessAlive(info.pid)) {
    throw new HotswapError(ERROR_CODES.NOT_RUNNING, `no running hotswap process found in ${project}: pid ${info.pid} from .hotswap/control.json has exited (a stale file)`, {
      hint: 'Start the app again with hotswap run <entry>; the stale control.json is replaced then.',
    });
  }
  assertLoopback(info.url, project);
  const headers = { authorization: `Bearer ${token}` };

  const call = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(`${info.url}${path}`, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new HotswapError(ERROR_CODES.NOT_RUNNING, `the hotswap process (pid ${info.pid}) does not answer at ${info.url}: ${causeText(error)}`, {
        cause: error,
        hint: 'It may be shutting down or stuck; check its output, or restart it with hotswap run <entry>.',
      });
    }
  };

  return {
    project,
    info,
    async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const response = await call(path, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      if (!response.ok) throw apiError(response.status, text);
      return (path === '/metrics' ? text : JSON.parse(text)) as T;
    },
    async stream(onEvent, options = {}): Promise<void> {
      const { signal, afterSeq } = options;
      const response = await call('/api/events', { headers: afterSeq === undefined ? headers : { ...headers, 'last-event-id': String(afterSeq) }, ...(signal ? { signal } : {}) });
      if (!response.ok || !response.body) throw apiError(response.status, await response.text());
      try {
        for await (const event of parseEventStream(response.body)) onEvent(event);
      } catch (error) {
        if ((error as Error).name === 'AbortError' || signal?.aborted) return;
        throw new HotswapError(ERROR_CODES.NOT_RUNNING, `the event stream of pid ${info.pid} ended: ${causeText(error)}`, { cause: error });
      }
    },
  };
}

/**
 * The admin token goes only to this machine: a control.json naming any other
 * host (tampered with, or copied from elsewhere) is refused before a request.
 */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' || parsed.username !== '' || parsed.password !== '') return false;
  const host = parsed.hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  // WHATWG URL parsing has already normalized every IPv4 spelling (0x7f.1, 2130706433) to dotted decimal
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function assertLoopback(url: string, project: string): void {
  if (isLoopbackUrl(url)) return;
  throw new HotswapError(ERROR_CODES.UNSAFE_FILE, `${controlPaths(project).info} names ${JSON.stringify(url)}, which is not a loopback http address: the admin token is sent only to 127.0.0.0/8, ::1 or localhost`, {
    hint: 'The file was not written by hotswap run (it always names http://127.0.0.1:<port>): delete .hotswap/ and start the app again.',
  });
}

/** Server-Sent Events from a byte stream (comments and retry lines skipped). */
export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamedEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const parsed = parseBlock(block);
      if (parsed) yield parsed;
    }
  }
}

function parseBlock(block: string): StreamedEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { event, id, data: value };
}

function apiError(status: number, text: string): HotswapError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; text?: string; hint?: string | null; location?: SourceLocation | null; frame?: string | null } };
    if (body.error?.text) {
      const code = Object.values(ERROR_CODES).find((c) => c === body.error?.code) ?? ERROR_CODES.USAGE;
      return new HotswapError(code, `${body.error.text} (HTTP ${status})`, { hint: body.error.hint ?? undefined, location: body.error.location ?? undefined, frame: body.error.frame ?? undefined });
    }
  } catch {
    // fall through
  }
  return new HotswapError(ERROR_CODES.USAGE, `control server answered HTTP ${status}: ${text.slice(0, 200)}`);
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
