/**
 * The dependency analysis of one module, read from the parser's AST (never
 * from regexes): what it imports, under which names, whether it reads those
 * bindings while it evaluates (at top level), and what it exports.
 */
import type { EcmaScriptModule, Program } from 'oxc-parser';

export type ImportKind = 'static' | 'dynamic' | 'require' | 'reexport';

export interface ImportRecord {
  specifier: string;
  kind: ImportKind;
  /** Imported names (`default`, `x`); `*` for a namespace import or `export *`. */
  names: string[];
  /**
   * The module reads one of these bindings while it evaluates (outside any
   * function body). Such an importer captured a value and must re-run when
   * that value changes; an importer that reads only inside functions sees
   * new values through live bindings and never re-runs.
   */
  topLevel: boolean;
  /**
   * For a namespace import (`import * as ns`): the members the code reads as
   * `ns.name`, so validation can check them like named imports.
   */
  members?: string[];
  /**
   * For a re-export (`export { a as b } from`, `export * from`, `export * as ns from`):
   * which imported name leaves under which exported name (`*` for all, or for a namespace).
   */
  reexports?: { imported: string; exported: string }[];
  /** 1-based position of the import in the type-stripped JavaScript. */
  line: number;
  column: number;
}

export interface ExportRecord {
  name: string;
  /** Defined in this module (not re-exported from another). */
  local: boolean;
  /**
   * Bound to a `let`/`var` the module may reassign. Other local exports
   * (const, function, class, default) keep their value until the next version,
   * so the runner can hand them out as plain properties (fast, no getter).
   */
  mutable: boolean;
  /**
   * What a constant local export is bound to, when its declaration says so: a `class`
   * (declaration or class expression) or a plain function (declaration, function or arrow
   * expression). Lets a commit tell classes from functions without inspecting every new
   * function object a re-run creates. Absent: decided at run time.
   */
  declares?: 'class' | 'function';
}

export interface ModuleRecords {
  imports: ImportRecord[];
  exports: ExportRecord[];
  hasModuleSyntax: boolean;
}

type AnyNode = { type: string; start: number; end: number; [key: string]: unknown };

export function readModuleRecords(code: string, program: Program, module: EcmaScriptModule): ModuleRecords {
  const lineStarts = computeLineStarts(code);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };

  const localToImport = new Map<string, ImportRecord>();
  const namespaceLocals = new Map<string, ImportRecord>();
  const imports: ImportRecord[] = [];
  for (const statement of module.staticImports) {
    const names: string[] = [];
    const record: ImportRecord = { specifier: statement.moduleRequest.value, kind: 'static', names, topLevel: false, ...position(statement.start) };
    for (const entry of statement.entries) {
      if (entry.isType) continue;
      const kind = entry.importName.kind as string;
      names.push(kind === 'NamespaceObject' ? '*' : kind === 'Default' ? 'default' : (entry.importName.name ?? 'default'));
      localToImport.set(entry.localName.value, record);
      if (kind === 'NamespaceObject') namespaceLocals.set(entry.localName.value, record);
    }
    imports.push(record);
  }

  const mutableLocals = collectMutableTopLevelNames(program as unknown as AnyNode);
  const declared = collectDeclarationKinds(program as unknown as AnyNode);
  const exports: ExportRecord[] = [];
  for (const statement of module.staticExports) {
    for (const entry of statement.entries) {
      if (entry.isType) continue;
      const exportKind = entry.exportName.kind as string;
      const importKind = entry.importName.kind as string;
      const name = exportKind === 'Default' ? 'default' : entry.exportName.name;
      if (entry.moduleRequest) {
        const imported = importKind === 'Name' ? (entry.importName.name ?? 'default') : importKind === 'Default' ? 'default' : '*';
        const reexports = [{ imported, exported: name ?? '*' }];
        imports.push({ specifier: entry.moduleRequest.value, kind: 'reexport', names: [imported], topLevel: false, reexports, ...position(entry.start) });
        if (name) exports.push({ name, local: false, mutable: true });
        continue;
      }
      if (!name) continue;
      // `export { x }` where x is an imported binding re-exports it: not local.
      const localName = entry.localName.name;
      const local = !(localName && localToImport.has(localName));
      const mutable = !local || (localName !== null && mutableLocals.has(localName));
      const declares = mutable ? undefined : ((localName ? declared.get(localName) : undefined) ?? (name === 'default' ? declared.get(DEFAULT_KEY) : undefined));
      exports.push({ name, local, mutable, ...(declares ? { declares } : {}) });
    }
  }

  const walker = new TopLevelWalker(localToImport, namespaceLocals);
  walker.visit(program as unknown as AnyNode, 0);
  for (const { specifier, start, topLevel } of walker.requires) {
    imports.push({ specifier, kind: 'require', names: ['*'], topLevel, ...position(start) });
  }
  for (const { specifier, start } of walker.dynamicImports) {
    imports.push({ specifier, kind: 'dynamic', names: ['*'], topLevel: false, ...position(start) });
  }
  return { imports, exports, hasModuleSyntax: module.hasModuleSyntax };
}

/**
 * Top-level bindings an export may see change within one version: `let`/`var`
 * declarations, and function or class declarations the module assigns to
 * somewhere (`f = () => 2`, even inside a function), which Node's live
 * bindings follow too.
 */
function collectMutableTopLevelNames(program: AnyNode): Set<string> {
  const names = new Set<string>();
  const declared = new Set<string>();
  for (const statement of program.body as AnyNode[]) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? (statement.declaration as AnyNode | null) : statement;
    if (declaration?.type === 'FunctionDeclaration' || declaration?.type === 'ClassDeclaration') {
      const id = declaration.id as AnyNode | null;
      if (id) declared.add(id.name as string);
    }
    if (declaration?.type !== 'VariableDeclaration' || declaration.kind === 'const') continue;
    for (const d of declaration.declarations as AnyNode[]) addPatternNames(d.id as AnyNode, names);
  }
  if (declared.size > 0) {
    const assigned = new Set<string>();
    collectAssignedNames(program, assigned);
    for (const name of assigned) if (declared.has(name)) names.add(name);
  }
  return names;
}

/** Key of `export default <declaration or expression>` in the map below. */
const DEFAULT_KEY = '\0default';

/** Top-level names bound to a class or a plain function by their declaration (see ExportRecord.declares). */
function collectDeclarationKinds(program: AnyNode): Map<string, 'class' | 'function'> {
  const kinds = new Map<string, 'class' | 'function'>();
  const kindOf = (node: AnyNode | null | undefined): 'class' | 'function' | undefined => {
    if (!node) return undefined;
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') return 'class';
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') return 'function';
    return undefined;
  };
  for (const statement of program.body as AnyNode[]) {
    if (statement.type === 'ExportDefaultDeclaration') {
      const kind = kindOf(statement.declaration as AnyNode);
      if (kind) kinds.set(DEFAULT_KEY, kind);
    }
    const declaration = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? (statement.declaration as AnyNode | null) : statement;
    if (!declaration) continue;
    if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') {
      const id = declaration.id as AnyNode | null;
      const kind = kindOf(declaration);
      if (id && kind) kinds.set(id.name as string, kind);
    } else if (declaration.type === 'VariableDeclaration' && declaration.kind === 'const') {
      for (const d of declaration.declarations as AnyNode[]) {
        const id = d.id as AnyNode;
        const kind = kindOf(d.init as AnyNode | null);
        if (id.type === 'Identifier' && kind) kinds.set(id.name as string, kind);
      }
    }
  }
  return kinds;
}

function addPatternNames(pattern: AnyNode | null | undefined, names: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name as string);
      return;
    case 'ObjectPattern':
      for (const p of pattern.properties as AnyNode[]) addPatternNames((p.type === 'RestElement' ? p.argument : p.value) as AnyNode, names);
      return;
    case 'ArrayPattern':
      for (const e of pattern.elements as (AnyNode | null)[]) addPatternNames(e, names);
      return;
    case 'RestElement':
      addPatternNames(pattern.argument as AnyNode, names);
      return;
    case 'AssignmentPattern':
      addPatternNames(pattern.left as AnyNode, names);
      return;
  }
}

/**
 * Every identifier the module assigns to, at any depth. Shadowing is ignored:
 * a name assigned in an inner scope only costs its export a getter.
 */
function collectAssignedNames(node: AnyNode, assigned: Set<string>): void {
  if (node.type === 'AssignmentExpression' || node.type === 'ForInStatement' || node.type === 'ForOfStatement') {
    addPatternNames(node.left as AnyNode, assigned);
  } else if (node.type === 'UpdateExpression') {
    addPatternNames(node.argument as AnyNode, assigned);
  }
  for (const key in node) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'range' || key === 'loc') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child === 'object' && typeof (child as AnyNode).type === 'string') collectAssignedNames(child as AnyNode, assigned);
    } else if (value && typeof value === 'object' && typeof (value as AnyNode).type === 'string') {
      collectAssignedNames(value as AnyNode, assigned);
    }
  }
}

function computeLineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Finds reads of imported bindings at top level, `require('…')` and `import('…')` calls. */
class TopLevelWalker {
  readonly requires: { specifier: string; start: number; topLevel: boolean }[] = [];
  readonly dynamicImports: { specifier: string; start: number }[] = [];
  readonly #imports: Map<string, ImportRecord>;
  readonly #namespaces: Map<string, ImportRecord>;

  constructor(imports: Map<string, ImportRecord>, namespaces: Map<string, ImportRecord>) {
    this.#imports = imports;
    this.#namespaces = namespaces;
  }

  visit(node: AnyNode, depth: number): void {
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        return;
      case 'ExportNamedDeclaration':
        // `export { a }` re-exports through a getter: not a read at evaluation time.
        if (node.declaration) this.visit(node.declaration as AnyNode, depth);
        return;
      case 'Identifier': {
        if (depth === 0) {
          const record = this.#imports.get(node.name as string);
          if (record) record.topLevel = true;
        }
        return;
      }
      case 'MemberExpression': {
        const object = node.object as AnyNode;
        const property = node.property as AnyNode;
        const record = object.type === 'Identifier' ? this.#namespaces.get(object.name as string) : undefined;
        if (record && !node.computed && property.type === 'Identifier') {
          record.members ??= [];
          if (!record.members.includes(property.name as string)) record.members.push(property.name as string);
        }
        this.visit(object, depth);
        if (node.computed) this.visit(property, depth);
        return;
      }
      case 'Property':
        if (node.computed) this.visit(node.key as AnyNode, depth);
        this.visit(node.value as AnyNode, depth);
        return;
      case 'MethodDefinition':
        if (node.computed) this.visit(node.key as AnyNode, depth);
        this.visit(node.value as AnyNode, depth + 1);
        return;
      case 'PropertyDefinition':
      case 'AccessorProperty':
        if (node.computed) this.visit(node.key as AnyNode, depth);
        // Static field initializers run when the class is defined; instance ones at `new`.
        if (node.value) this.visit(node.value as AnyNode, node.static ? depth : depth + 1);
        return;
      case 'LabeledStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        if (node.body) this.visit(node.body as AnyNode, depth);
        return;
      case 'CallExpression': {
        const callee = node.callee as AnyNode;
        const args = node.arguments as AnyNode[];
        const first = args[0];
        if (callee.type === 'Identifier' && callee.name === 'require' && args.length === 1 && first?.type === 'Literal' && typeof first.value === 'string') {
          this.requires.push({ specifier: first.value, start: node.start, topLevel: depth === 0 });
        }
        break;
      }
      case 'ImportExpression': {
        const source = node.source as AnyNode;
        if (source.type === 'Literal' && typeof source.value === 'string') this.dynamicImports.push({ specifier: source.value, start: node.start });
        break;
      }
    }
    const nextDepth = FUNCTION_TYPES.has(node.type) ? depth + 1 : depth;
    for (const key in node) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'range' || key === 'loc') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child === 'object' && typeof (child as AnyNode).type === 'string') this.visit(child as AnyNode, nextDepth);
      } else if (value && typeof value === 'object' && typeof (value as AnyNode).type === 'string') {
        this.visit(value as AnyNode, nextDepth);
      }
    }
  }
}
