/**
 * Where the module-runner transform's output would evaluate differently from
 * Node, fix it up. Every edit keeps line numbers (source maps stay exact).
 */
import type { Program } from 'oxc-parser';

/** Replace `code[start, end)` by `text`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(code: string, edits: readonly Edit[]): string {
  let out = code;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = `${out.slice(0, edit.start)}${edit.text}${out.slice(edit.end)}`;
  return out;
}

type AnyNode = { type: string; start: number; end: number; [key: string]: unknown };

const DEFAULT_FUNCTION = '__hotswap_default__';
/** Renames the named default function; also run before the imports (see linkImportsFirst), for cycles. */
const RENAME_DEFAULT = `Object.defineProperty(${DEFAULT_FUNCTION}, "name", { value: "default", configurable: true });`;

/**
 * `export default function () {}` is a hoisted declaration named "default" in
 * Node (callable from inside a cycle before the module evaluates); the
 * transform turns it into a `const` function expression. Give it a name, so it
 * stays a declaration, and rename it "default". An anonymous default class gets
 * its name "default" from a static block (classes are not hoisted anyway).
 */
export function nameAnonymousDefaults(code: string, program: Program): Edit[] {
  const edits: Edit[] = [];
  for (const statement of (program as unknown as { body: AnyNode[] }).body) {
    if (statement.type !== 'ExportDefaultDeclaration') continue;
    const declaration = statement.declaration as AnyNode;
    if (declaration.id) continue;
    if (declaration.type === 'FunctionDeclaration') {
      const paren = code.indexOf('(', declaration.start);
      if (paren < 0) continue;
      edits.push({ start: paren, end: paren, text: ` ${DEFAULT_FUNCTION}` });
      edits.push({ start: declaration.end, end: declaration.end, text: `;${RENAME_DEFAULT}` });
    } else if (declaration.type === 'ClassDeclaration') {
      const body = declaration.body as AnyNode;
      edits.push({ start: body.start + 1, end: body.start + 1, text: ' static { Object.defineProperty(this, "name", { value: "default", configurable: true }); }' });
    }
  }
  return edits;
}

const STATIC_IMPORT = /^const (__vite_ssr_import_(\d+)__) = await __vite_ssr_import__\(("(?:[^"\\\n]|\\.)*")((?:, \{ importedNames: \[(?:\s*"(?:[^"\\\n]|\\.)*",?)*\s*\] \})?\);)?/gm;

/**
 * Node links every import binding before any module of a cycle evaluates, so a
 * hoisted function called from inside the cycle can already read its imports.
 * The module-runner transform declares each binding only when its import has
 * been awaited. Declare them all first, bound at once to the dependency's
 * namespace (`__hotswap_link__` returns it for project modules, which the runner
 * knows before they evaluate), and let the awaits fill in the rest (packages).
 * The declarations share the first import's line, so line numbers stay exact.
 *
 * Each import also gets its call companion (`__hotswap_callees_N__`, see
 * src/runner/namespace-view.ts), and direct calls of its bindings read their
 * callee from it: `f()` then calls the current function itself.
 */
export function linkImportsFirst(code: string, directCalls = true): string {
  // A hoisted default function is called "default" before any import runs (a cycle may call it).
  const prelude = code.includes(`function ${DEFAULT_FUNCTION}(`) || code.includes(`function* ${DEFAULT_FUNCTION}(`) ? ` ${RENAME_DEFAULT}` : '';
  const firsts = firstImports(code, directCalls);
  const links: string[] = [];
  const rebinds: string[] = [];
  const companions = new Set<string>();
  let first = -1;
  const rewritten = code.replace(STATIC_IMPORT, (_match, binding: string, index: string, specifier: string, rest: string | undefined, offset: number) => {
    if (first < 0) first = offset;
    const calls = `__hotswap_callees_${index}__`;
    const group = firsts.get(specifier);
    if (group && group.binding !== binding) {
      // The same module imported again: the same namespace, linked, checked and rebound once (issue 12).
      const alias = `${binding} = ${group.binding}, ${calls} = ${group.calls}`;
      companions.add(binding);
      links.push(alias);
      rebinds.push(`${alias};`);
      return `${alias};`;
    }
    links.push(`${binding} = __hotswap_link__(${specifier})`);
    if (!directCalls || rest === undefined) {
      rebinds.push(`${binding} = s(${binding});`);
      return `${binding} = await __vite_ssr_import__(${specifier}${rest ?? ''}`;
    }
    companions.add(binding);
    links.push(`${calls} = __hotswap_calls__(${binding})`);
    rebinds.push(`${calls} = __hotswap_calls__(${binding} = s(${binding}));`);
    // The imported names as arguments, not an options literal made at every evaluation (lines kept);
    // those of later imports of the same module at the end of the last line.
    const names = `${namesOf(rest).slice(0, -1)}${(group?.extraNames ?? []).map((n) => `, ${n}`).join('')})`;
    // Awaited only when the runner hands back a promise (a dependency still evaluating, a package loading), and then
    // for a box: a namespace is never awaited, so a module that exports `then` is imported as Node imports it. An
    // import of a module already evaluated goes on at once, as in Node, without a microtask (a 1,000-module re-run awaited ~4,000).
    return `${calls} = __hotswap_calls__(${binding} = (__hotswap_t__ = __hotswap_import__(${specifier}${names}) instanceof __hotswap_Promise__ ? (await __hotswap_t__)[0] : __hotswap_t__);`;
  });
  if (first < 0) return code;
  const body = companions.size > 0 ? rewriteDirectCalls(rewritten.slice(first), companions) : rewritten.slice(first);
  // At commit the runner rebinds a staged version's bindings to the committed namespaces (src/runner/staging-view.ts).
  const rebind = ` __hotswap_rebind__((s) => { ${rebinds.join(' ')} });`;
  if (companions.size > 0) links.push('__hotswap_t__');
  return `${rewritten.slice(0, first)}let ${links.join(', ')};${rebind}${prelude} ${body}`;
}

/** `, { importedNames: ["a", "b"] });` (or `);`) as call arguments: `, "a", "b")`. */
function namesOf(rest: string): string {
  return rest.slice(0, -1).replace(/^, \{ importedNames: \[/, ',').replace(/\] \}\)$/, ')');
}

/**
 * The first import of each module imported more than once (by specifier) in the transform's
 * output, which every later import of it aliases: its binding, its call companion, and the
 * names the later imports add (checked by the first, as Node's linker checks them all before
 * anything runs). Only plain imports (named, default, namespace, side effect) with direct
 * calls rewritten are grouped; anything else keeps one import per statement.
 */
function firstImports(code: string, directCalls: boolean): Map<string, { binding: string; calls: string; extraNames: string[] }> {
  const groups = new Map<string, { binding: string; calls: string; extraNames: string[]; seen: Set<string>; plain: boolean; count: number }>();
  if (!directCalls) return groups;
  for (const [, binding, index, specifier, rest] of code.matchAll(STATIC_IMPORT)) {
    const names = rest === undefined ? [] : [...namesOf(rest).matchAll(/"(?:[^"\\\n]|\\.)*"/g)].map((m) => m[0]);
    let group = groups.get(specifier as string);
    if (!group) groups.set(specifier as string, (group = { binding: binding as string, calls: `__hotswap_callees_${index}__`, extraNames: [], seen: new Set(names), plain: true, count: 0 }));
    else {
      for (const name of names) {
        if (group.seen.has(name)) continue;
        group.seen.add(name);
        group.extraNames.push(name);
      }
    }
    group.count++;
    if (rest === undefined) group.plain = false;
  }
  for (const [specifier, group] of groups) if (group.count < 2 || !group.plain) groups.delete(specifier);
  return groups;
}

const NAMED_CALL = /\(0, (__vite_ssr_import_(\d+)__)\.([A-Za-z_$][\w$]*)\)\(/g;

/**
 * `(0, X.f)(` (a named import called, `this` undefined) reads `f` from X's call
 * companion, whose name is as long as X's, so columns (source maps) stay exact.
 * A namespace member call (`ns.f()`) keeps reading the namespace: its `this` must
 * be the namespace, and `C.f.call(X, …)` would shift the columns after it.
 * Only the transform writes `__vite_ssr_import_N__`, and the caller skips this for
 * a source that mentions it, so no match is inside a string or a comment.
 */
function rewriteDirectCalls(code: string, companions: ReadonlySet<string>): string {
  return code.replace(NAMED_CALL, (match, binding: string, index: string, name: string) => (companions.has(binding) ? `(0, __hotswap_callees_${index}__.${name})(` : match));
}

const EXPORT_GETTER = /^Object\.defineProperty\(__vite_ssr_exports__, ("(?:[^"\\\n]|\\.)*"), \{\n\tenumerable: true,\n\tconfigurable: true,\n\tget\(\) \{\n\t\treturn ([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?);\n\t\}\n\}\);$/gm;

/**
 * The module-runner transform defines each export as a getter with a descriptor literal of
 * its own: every evaluation of the module creates them anew, in code that runs once per
 * version and so never gets warm (issue 12: a re-run of 1,000 modules made ~7,000).
 *
 * - A constant local export (const, function, class, default) gets no getter of its own: one
 *   reader per module serves them all (`__hotswap_exports__(exports, (n) => { switch (n) ... })`).
 *   The runner calls it only for a read before the top level finished (a cycle, a hoisted
 *   function); after that it has the values (below).
 * - A `let`/`var` export (read at use time, often) and a re-export keep a getter, defined by
 *   the runner's `__hotswap_export__` from a shared descriptor.
 * - A last line hands the runner every local export's value once the top level has run
 *   (`__hotswap_done__(exports, name, value, ...)`): it keeps those of constant exports, which
 *   a commit reads, instead of calling a getter of each new version. It is also how the runner
 *   learns, without waiting for a microtask, that the top level ran to its end.
 *
 * Every replaced statement keeps its line count, so source maps stay exact.
 */
export function shortExportGetters(code: string, mutable: ReadonlySet<string> = new Set()): string {
  const values: string[] = [];
  const cases: string[] = [];
  const out = code.replace(EXPORT_GETTER, (match, name: string, binding: string) => {
    const lines = '\n'.repeat(match.split('\n').length - 1);
    const local = !binding.includes('.');
    if (local) values.push(`${name}, ${binding}`);
    if (!local || mutable.has(JSON.parse(name) as string)) return `__hotswap_export__(__vite_ssr_exports__, ${name}, () => ${binding});${lines}`;
    cases.push(`case ${name}: return ${binding};`);
    return cases.length === 1 ? `${READER_AT}${lines}` : lines;
  });
  // The reader's default reads the exports object: re-exports, `export *` names.
  const withReader = cases.length === 0 ? out : out.replace(READER_AT, `__hotswap_exports__(__vite_ssr_exports__, (n) => { switch (n) { ${cases.join(' ')} default: return __vite_ssr_exports__[n]; } });`);
  // Every module gets the last line, values or not: it also tells the runner the top level ran to its end (ModuleRegistry#evaluate).
  return `${withReader}\n;__hotswap_done__(__vite_ssr_exports__${values.map((v) => `, ${v}`).join('')});`;
}

/** Where the reader goes (the first constant export's statement); only the transform writes `__hotswap_` names. */
const READER_AT = '__hotswap_exports__(READER)';
