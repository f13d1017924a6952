/**
 * The app the fuzzer edits: an HTTP server (`main.ts`, never edited) whose
 * `/` answers `{"m0":"m0:7","m1":"m1:3",…}`, one token per module, read
 * through each module's exported `token()` on every request. Every valid
 * version the fuzzer writes reports a fresh revision in its token, so a
 * response names exactly which versions served it. Some modules import
 * another (m1 → m0, m3 → m2) so a broken module and a valid save can meet in
 * one transaction.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FuzzApp {
  dir: string;
  modules: string[];
  /** Module → module it imports, if any. */
  dependsOn: Map<string, string>;
}

export function moduleNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `m${i}`);
}

export function dependencyOf(name: string): string | undefined {
  const index = Number(name.slice(1));
  return index % 2 === 1 ? `m${index - 1}` : undefined;
}

/** A valid version of module `name` at revision `rev`; `padding` bytes of comment make multi-MB files. */
export function validSource(name: string, rev: number, options: { padding?: number; bom?: boolean; crlf?: boolean } = {}): string {
  const dep = dependencyOf(name);
  const lines = [
    ...(dep ? [`import { token as dependency } from './${dep}.ts';`] : []),
    `// ${name} revision ${rev}`,
    `export function token(): string {`,
    ...(dep ? [`  void dependency;`] : []),
    `  return '${name}:${rev}';`,
    `}`,
    `export const revision: number = ${rev};`,
    '',
  ];
  let text = lines.join('\n');
  if (options.padding) text += `/*${'x'.repeat(options.padding)}*/\n`;
  if (options.crlf) text = text.replace(/\n/g, '\r\n');
  return options.bom ? `\uFEFF${text}` : text;
}

export function tokenOf(name: string, rev: number): string {
  return `${name}:${rev}`;
}

/** Writes the project and returns it; the caller removes `dir`. */
export function createFuzzApp(moduleCount: number): FuzzApp {
  const dir = mkdtempSync(join(tmpdir(), 'hotswap-fuzz-'));
  const modules = moduleNames(moduleCount);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fuzz-app', private: true, type: 'module' }));
  for (const name of modules) writeFileSync(join(dir, 'src', `${name}.ts`), validSource(name, 0));
  writeFileSync(join(dir, 'src', 'main.ts'), mainSource(modules));
  const dependsOn = new Map<string, string>();
  for (const name of modules) {
    const dep = dependencyOf(name);
    if (dep) dependsOn.set(name, dep);
  }
  return { dir, modules, dependsOn };
}

function mainSource(modules: string[]): string {
  return [
    "import http from 'node:http';",
    "import { setFlagsFromString } from 'node:v8';",
    "import { runInNewContext } from 'node:vm';",
    ...modules.map((m) => `import { token as ${m} } from './${m}.ts';`),
    '',
    "setFlagsFromString('--expose-gc');",
    "const gc = runInNewContext('gc') as () => void;",
    'const server = http.createServer((req, res) => {',
    "  if (req.url === '/heap') {",
    '    gc();',
    '    gc();',
    "    res.setHeader('content-type', 'application/json');",
    '    res.end(JSON.stringify(process.memoryUsage()));',
    '    return;',
    '  }',
    `  const body = JSON.stringify({ ${modules.map((m) => `${m}: ${m}()`).join(', ')} });`,
    "  res.setHeader('content-type', 'application/json');",
    '  res.end(body);',
    '});',
    "server.keepAliveTimeout = 60_000;",
    "server.listen(Number(process.env['FUZZ_PORT'] ?? 0), '127.0.0.1', () => {",
    "  console.log(`listening ${(server.address() as { port: number }).port}`);",
    '});',
    'import.meta.hot?.dispose(() => new Promise<void>((done) => {',
    '  server.close(() => done());',
    '  server.closeAllConnections();',
    '}));',
    '',
  ].join('\n');
}
