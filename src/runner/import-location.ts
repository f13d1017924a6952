/** Where an import statement is in a version's original source (through the TypeScript source map). */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import type { ModuleVersion } from './module-node.ts';

/** Where `specifier` (and `name`, when given: `*` for a namespace) is imported in the original source of `importer`. */
export function importLocation(importer: ModuleVersion, specifier: string, name?: string): { file: string; line: number; column: number } | undefined {
  const records = importer.transformed.imports.filter((r) => r.specifier === specifier);
  const record = (name === undefined ? undefined : records.find((r) => r.names.includes(name))) ?? records[0];
  if (!record) return undefined;
  const tsMap = importer.transformed.maps.at(-1);
  const file = importer.node.id;
  if (!tsMap || importer.transformed.maps.length === 0) return { file, line: record.line, column: record.column };
  const pos = originalPositionFor(new TraceMap(tsMap), { line: record.line, column: record.column - 1 });
  return pos.line === null || pos.column === null ? { file, line: record.line, column: record.column } : { file, line: pos.line, column: pos.column + 1 };
}
