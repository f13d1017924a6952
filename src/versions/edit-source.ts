/**
 * The new source of an `apply`: `replace` (the whole file), `append` (added at
 * the end) or `export:<name>` (one exported function, class or const replaced
 * by its syntax tree: the declaration's span is swapped, every other byte of
 * the file stays as it was). oxc-parser gives the spans (UTF-16 offsets).
 */
import { parseSync } from 'oxc-parser';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import { codeFrame, offsetToLineColumn } from '../shared/code-frame.ts';

export type ApplyMode = { kind: 'replace' } | { kind: 'append' } | { kind: 'export'; name: string };

export function parseApplyMode(text: string | undefined): ApplyMode {
  if (text === undefined || text === 'replace') return { kind: 'replace' };
  if (text === 'append') return { kind: 'append' };
  const match = /^export:([A-Za-z_$][\w$]*)$/.exec(text);
  if (match) return { kind: 'export', name: match[1] as string };
  throw new HotswapError(ERROR_CODES.USAGE, `Unknown --mode "${text}"`, { hint: 'Use --mode replace, --mode append or --mode export:<name> (an exported function, class or const).' });
}

/** `file` is the module's path, `fromLabel` names the fragment in errors (the --from file, or stdin). */
export function editSource(mode: ApplyMode, current: string, fragment: string, file: string, fromLabel: string): string {
  if (mode.kind === 'replace') return fragment;
  if (mode.kind === 'append') {
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    return `${current}${separator}${fragment.endsWith('\n') ? fragment : `${fragment}\n`}`;
  }
  const target = findDeclaration(current, file, mode.name, true);
  if (!target) {
    throw new HotswapError(ERROR_CODES.APPLY, `${file} has no exported function, class or const named "${mode.name}"`, {
      hint: `Exports that --mode export:<name> can replace: ${exportedNames(current, file).join(', ') || '(none)'}. Use --mode append to add a new one.`,
    });
  }
  const replacement = findDeclaration(fragment, fromLabel, mode.name, false);
  if (!replacement) {
    throw new HotswapError(ERROR_CODES.APPLY, `${fromLabel} declares no function, class or const named "${mode.name}"`, { hint: `Put the new "${mode.name}" in ${fromLabel}, e.g. export function ${mode.name}() { ... }` });
  }
  const text = fragment.slice(replacement.start, replacement.end);
  return `${current.slice(0, target.start)}${replacement.exported ? text : `export ${text}`}${current.slice(target.end)}`;
}

interface Found {
  start: number;
  end: number;
  exported: boolean;
}

interface Node {
  type: string;
  start: number;
  end: number;
  exported?: { name?: string; value?: string } | null;
  specifiers?: { exported?: { name?: string; value?: string } }[];
  declaration?: Node | null;
  id?: { name?: string } | null;
  declarations?: { id?: { name?: string } }[];
}

function parse(source: string, file: string): Node[] {
  const result = parseSync(file.endsWith('.js') || file.endsWith('.mjs') ? 'x.js' : 'x.ts', source, { sourceType: 'module' });
  const error = result.errors[0];
  if (error) {
    const offset = error.labels[0]?.start ?? 0;
    const { line, column } = offsetToLineColumn(source, offset);
    throw new HotswapError(ERROR_CODES.SYNTAX, `Syntax error in ${file}: ${error.message}`, { location: { file, line, column }, frame: codeFrame(source, line, column), hint: `Fix ${file} and apply again; nothing was changed.` });
  }
  return result.program.body as unknown as Node[];
}

function declaredNames(node: Node): string[] {
  if (node.declarations) return node.declarations.map((d) => d.id?.name).filter((n): n is string => n !== undefined);
  return node.id?.name ? [node.id.name] : [];
}

function findDeclaration(source: string, file: string, name: string, exportedOnly: boolean): Found | undefined {
  for (const statement of parse(source, file)) {
    const exported = statement.type === 'ExportNamedDeclaration' && statement.declaration;
    const declaration = exported ? (statement.declaration as Node) : statement;
    if (exportedOnly && !exported) continue;
    const names = declaredNames(declaration);
    if (!names.includes(name)) continue;
    if (names.length > 1) {
      throw new HotswapError(ERROR_CODES.APPLY, `"${name}" in ${file} shares its declaration with ${names.filter((n) => n !== name).join(', ')}`, { hint: 'Split the declaration into one per name, or apply with --mode replace.' });
    }
    return { start: statement.start, end: statement.end, exported: Boolean(exported) };
  }
  return undefined;
}

function exportedNames(source: string, file: string): string[] {
  return parse(source, file).flatMap((s) => (s.type === 'ExportNamedDeclaration' && s.declaration ? declaredNames(s.declaration) : []));
}

/** Names a source exports (statically; `export *` is not followed). Throws a located HS_SYNTAX on a syntax error. */
export function exportNamesOf(source: string, file: string): string[] {
  const names: string[] = [];
  for (const s of parse(source, file)) {
    if (s.type === 'ExportDefaultDeclaration') names.push('default');
    else if (s.type === 'ExportNamedDeclaration') {
      if (s.declaration) names.push(...declaredNames(s.declaration));
      for (const spec of s.specifiers ?? []) {
        const name = spec.exported?.name ?? spec.exported?.value;
        if (name !== undefined) names.push(name);
      }
    }
  }
  return names;
}
