/**
 * Stack traces of reloaded code point at the original `.ts` line. Node does
 * not apply source maps to `vm` scripts, so hotswap maps frames itself: each
 * version is compiled under a unique script name (`/path/file.ts?v=3`), and a
 * process-wide `Error.prepareStackTrace` maps frames of those scripts through
 * the version's map chain (decoded lazily, on the first error that needs it).
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';

interface Entry {
  file: string;
  maps: string[];
  decoded: TraceMap[] | undefined;
}

const registry = new Map<string, Entry>();
/** Frames of the stable-function forwarder are noise in a user's stack trace. */
const FORWARDER_FILE = new URL('./stable-function.ts', import.meta.url).href.replace(/\.ts$/, import.meta.url.endsWith('.ts') ? '.ts' : '.js');
let installed = false;

export function scriptName(file: string, version: number): string {
  return `${file}?v=${version}`;
}

export function registerSourceMaps(script: string, file: string, maps: string[]): void {
  // A re-run of unchanged code registers its script again: keep the entry (and its decoded maps).
  if (registry.get(script)?.maps === maps) return;
  registry.set(script, { file, maps, decoded: undefined });
  installStackMapping();
}

export function unregisterSourceMaps(script: string): void {
  registry.delete(script);
}

/** Map a generated position of a registered script to the original file, line and column (1-based). */
export function mapPosition(script: string, line: number, column: number): { file: string; line: number; column: number } | undefined {
  const entry = registry.get(script);
  if (!entry) return undefined;
  entry.decoded ??= entry.maps.map((m) => new TraceMap(m));
  let l = line;
  let c = column - 1;
  for (const map of entry.decoded) {
    const pos = originalPositionFor(map, { line: l, column: Math.max(0, c) });
    if (pos.line === null || pos.column === null) return { file: entry.file, line: l, column: c + 1 };
    l = pos.line;
    c = pos.column;
  }
  return { file: entry.file, line: l, column: c + 1 };
}

function installStackMapping(): void {
  if (installed) return;
  installed = true;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, callSites: NodeJS.CallSite[]): string => {
    if (previous) {
      // Someone else formats stacks: let them, then fix our frames in the text.
      return remapText(String(previous(error, callSites)));
    }
    const header = headerOf(error);
    const frames = callSites.filter((site) => site.getFileName() !== FORWARDER_FILE).map((site) => `\n    at ${mapCallSite(site)}`);
    return header + frames.join('');
  };
}

function headerOf(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

function mapCallSite(site: NodeJS.CallSite): string {
  const text = site.toString();
  const script = site.getScriptNameOrSourceURL?.() ?? site.getFileName();
  if (!script || !registry.has(script)) return text;
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (line === null || column === null) return text;
  const mapped = mapPosition(script, line, column);
  if (!mapped) return text;
  return text.replace(`${script}:${line}:${column}`, `${mapped.file}:${mapped.line}:${mapped.column}`);
}

// Token by token, not one regex over the text: `[^\s()]+\?v=` alone backtracks quadratically over a
// long run of non-space characters (a 50 KB error message took seconds, 5 MB hung the process).
const TOKEN = /[^\s()]+/g;
const FRAME = /^(.+\?v=\d+):(\d+):(\d+)/;

function remapText(text: string): string {
  return text.replace(TOKEN, (token) => {
    if (!token.includes('?v=')) return token;
    const match = FRAME.exec(token);
    if (!match) return token;
    const mapped = mapPosition(match[1] ?? '', Number(match[2]), Number(match[3]));
    return mapped ? `${mapped.file}:${mapped.line}:${mapped.column}${token.slice(match[0].length)}` : token;
  });
}

/** First frame of an error's stack that belongs to a project file: where it was thrown. */
export function firstProjectFrame(error: unknown, isProjectFile: (file: string) => boolean): { file: string; line: number; column: number } | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  // Frame lines only, and only short ones: over the message (a 1 MB base64 string, a long path list)
  // this regex backtracks quadratically and a large message hung the process.
  for (const line of error.stack.split('\n')) {
    if (line.length > 4096 || !/^\s+at /.test(line)) continue;
    for (const match of line.matchAll(/\(?((?:\/|[A-Za-z]:\\)[^\s():]+):(\d+):(\d+)\)?/g)) {
      const file = match[1];
      if (file && isProjectFile(file)) return { file, line: Number(match[2]), column: Number(match[3]) };
    }
  }
  return undefined;
}
