/**
 * A unified line diff (the `diff -u` shape) between two versions of a source:
 * shown before `apply` writes anything and by `GET /api/versions/:id`.
 * Common prefix and suffix are trimmed first, then an LCS table over what is
 * left; past 4M cells the middle is shown as one replaced block, which is still
 * a correct diff, only not minimal (hand-edited modules never get there).
 */

const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string };

export function lineDiff(before: string, after: string, labels: { from: string; to: string } = { from: 'before', to: 'after' }, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffOps(a, b);
  return [`--- ${labels.from}`, `+++ ${labels.to}`, ...hunks(ops, context)].join('\n') + '\n';
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: Op[] = a.slice(0, start).map((text) => ({ kind: ' ', text }));
  const tail: Op[] = a.slice(endA).map((text) => ({ kind: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...lcsOps(midA, midB), ...tail];
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return [...a.map((text): Op => ({ kind: '-', text })), ...b.map((text): Op => ({ kind: '+', text }))];
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? (table[(i + 1) * width + j + 1] as number) + 1 : Math.max(table[(i + 1) * width + j] as number, table[i * width + j + 1] as number);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i++] as string });
      j++;
    } else if ((table[(i + 1) * width + j] as number) >= (table[i * width + j + 1] as number)) ops.push({ kind: '-', text: a[i++] as string });
    else ops.push({ kind: '+', text: b[j++] as string });
  }
  while (i < n) ops.push({ kind: '-', text: a[i++] as string });
  while (j < m) ops.push({ kind: '+', text: b[j++] as string });
  return ops;
}

function hunks(ops: Op[], context: number): string[] {
  const out: string[] = [];
  let index = 0;
  while (index < ops.length) {
    while (index < ops.length && ops[index]?.kind === ' ') index++;
    if (index >= ops.length) break;
    const from = Math.max(0, index - context);
    let to = index;
    // extend while the next change is within 2 * context lines
    for (;;) {
      while (to < ops.length && ops[to]?.kind !== ' ') to++;
      let next = to;
      while (next < ops.length && ops[next]?.kind === ' ') next++;
      if (next < ops.length && next - to <= 2 * context) to = next;
      else break;
    }
    const end = Math.min(ops.length, to + context);
    const slice = ops.slice(from, end);
    const lineA = ops.slice(0, from).filter((o) => o.kind !== '+').length + 1;
    const lineB = ops.slice(0, from).filter((o) => o.kind !== '-').length + 1;
    const countA = slice.filter((o) => o.kind !== '+').length;
    const countB = slice.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${countA === 0 ? lineA - 1 : lineA},${countA} +${countB === 0 ? lineB - 1 : lineB},${countB} @@`);
    for (const op of slice) out.push(`${op.kind}${op.text}`);
    index = end;
  }
  return out;
}
