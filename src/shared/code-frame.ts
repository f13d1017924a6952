/**
 * Line/column helpers and a code frame in the usual `>  12 | code` shape.
 * A frame is bounded whatever the source: a few lines around the error, a
 * window of columns around the error column, `…` where text was cut. A frame
 * is copied into stderr, /api/status, every event-stream client and the event
 * ring, so a 5 MB minified line must not travel whole.
 */

export interface LineColumn {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

/** Characters of a line shown around the error column (either side: half). */
export const FRAME_COLUMNS = 120;
/** Lines of context either side of the error line, at most. */
export const FRAME_MAX_CONTEXT = 3;
const ELLIPSIS = '…';

export function offsetToLineColumn(source: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Two lines of context either side, a caret under the column; long lines are windowed around the column. */
export function codeFrame(source: string, line: number, column: number, context = 2): string {
  const around = Math.min(Math.max(0, context), FRAME_MAX_CONTEXT);
  const first = Math.max(1, line - around);
  const wanted = lineSpans(source, first, line + around);
  const last = first + wanted.length - 1;
  const width = String(Math.max(last, first)).length;
  // One window for every line, centred on the error column, so the caret lines up with the text above it.
  const col = Math.max(1, column);
  const errorSpan = wanted[line - first];
  const start = Math.max(0, Math.min(col - 1 - FRAME_COLUMNS / 2, errorSpan ? errorSpan.end - errorSpan.start - FRAME_COLUMNS : 0));
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === line ? '>' : ' ';
    const span = wanted[n - first] ?? { start: 0, end: 0 };
    const { text, prefix } = windowOf(source, span, start);
    out.push(`${marker} ${String(n).padStart(width)} | ${text}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.min(Math.max(0, col - 1 - start) + prefix, FRAME_COLUMNS + 1))}^`);
  }
  return out.join('\n');
}

/** Cuts `text` to at most `max` characters (UTF-16 units), marking the cut. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}${ELLIPSIS}`;
}

interface Span {
  start: number;
  end: number;
}

// Slices only the window out of the source: a 5 MB line is never copied whole.
function windowOf(source: string, span: Span, start: number): { text: string; prefix: number } {
  const length = span.end - span.start;
  const prefix = start > 0 && length > start ? ELLIPSIS.length : 0;
  const body = source.slice(span.start + Math.min(start, length), span.start + Math.min(start + FRAME_COLUMNS, length)).replace(/\r$/, '');
  const suffix = start + FRAME_COLUMNS < length ? ELLIPSIS : '';
  return { text: `${prefix ? ELLIPSIS : ''}${body}${suffix}`, prefix };
}

/** Offsets of lines `from`..`to` (1-based, inclusive), without splitting the whole source. */
function lineSpans(source: string, from: number, to: number): Span[] {
  const out: Span[] = [];
  let lineNo = 1;
  let pos = 0;
  while (lineNo <= to) {
    const end = source.indexOf('\n', pos);
    const stop = end < 0 ? source.length : end;
    if (lineNo >= from) out.push({ start: pos, end: stop });
    if (end < 0) break;
    pos = end + 1;
    lineNo++;
  }
  return out;
}
