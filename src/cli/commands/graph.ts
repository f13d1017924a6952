/** `hotswap graph [--format tree|dot|json]`: the module graph of the running process. */
import { ERROR_CODES, HotswapError } from '../../errors.ts';
import type { GraphSnapshot } from '../../control/snapshots.ts';
import { clientFor, color, print } from './format.ts';

export interface GraphFlags {
  format?: string;
  cwd?: string;
}

export async function graphCommand(flags: GraphFlags): Promise<void> {
  const format = flags.format ?? 'tree';
  if (format !== 'tree' && format !== 'dot' && format !== 'json') {
    throw new HotswapError(ERROR_CODES.USAGE, `Unknown --format "${format}"`, { hint: 'Use --format tree, dot or json.' });
  }
  const graph = await clientFor(flags).request<GraphSnapshot>('GET', '/api/graph');
  if (format === 'json') print(JSON.stringify(graph, null, 2));
  else if (format === 'dot') print(renderDot(graph));
  else print(renderTree(graph, { color: true }));
}

/** Graphviz: edges point from importer to imported; what re-ran last is filled. */
export function renderDot(graph: GraphSnapshot): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = ['digraph hotswap {', '  rankdir=LR;', '  node [shape=box, style="rounded", fontname="Helvetica"];'];
  for (const node of graph.nodes) {
    const attrs = node.error ? 'color=red, fontcolor=red' : node.changed ? 'style="rounded,filled", fillcolor="#bfdbfe"' : node.rerun ? 'style="rounded,filled", fillcolor="#e0e7ff"' : '';
    lines.push(`  ${q(node.id)}${attrs ? ` [${attrs}]` : ''};`);
  }
  for (const edge of graph.edges) lines.push(`  ${q(edge.from)} -> ${q(edge.to)};`);
  lines.push('}');
  return lines.join('\n');
}

/** Roots (modules nothing imports) down; a module printed before is marked, a cycle says so. */
export function renderTree(graph: GraphSnapshot, options: { color: boolean } = { color: false }): string {
  const paint = (name: Parameters<typeof color>[0], text: string): string => (options.color ? color(name, text) : text);
  const imports = new Map<string, string[]>();
  const imported = new Set<string>();
  for (const node of graph.nodes) imports.set(node.id, []);
  for (const edge of graph.edges) {
    imports.get(edge.from)?.push(edge.to);
    imported.add(edge.to);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const label = (id: string): string => {
    const node = byId.get(id);
    const version = node?.version == null ? paint('red', ' (not loaded)') : paint('gray', ` v${node.version}`);
    const mark = node?.error ? paint('red', ` ✗ ${node.error}`) : node?.changed ? paint('cyan', ' ← changed') : node?.rerun ? paint('cyan', ' ← re-ran') : '';
    return `${id}${version}${mark}`;
  };
  const lines: string[] = [];
  const printed = new Set<string>();
  const walk = (id: string, prefix: string, last: boolean, path: Set<string>, top: boolean): void => {
    const branch = top ? '' : last ? '└── ' : '├── ';
    if (path.has(id)) return void lines.push(`${prefix}${branch}${id} ${paint('yellow', '(cycle)')}`);
    if (printed.has(id)) return void lines.push(`${prefix}${branch}${id} ${paint('gray', '(see above)')}`);
    printed.add(id);
    lines.push(`${prefix}${branch}${label(id)}`);
    const children = [...(imports.get(id) ?? [])].sort();
    const next = top ? prefix : `${prefix}${last ? '    ' : '│   '}`;
    path.add(id);
    children.forEach((child, i) => walk(child, next, i === children.length - 1, path, false));
    path.delete(id);
  };
  const roots = graph.nodes.map((n) => n.id).filter((id) => !imported.has(id)).sort();
  for (const root of roots) walk(root, '', true, new Set(), true);
  // modules only reachable through a cycle have no root above them
  for (const node of graph.nodes) if (!printed.has(node.id)) walk(node.id, '', true, new Set(), true);
  return lines.join('\n');
}
