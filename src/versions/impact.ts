/**
 * What an `apply` will do, shown before anything is written: the diff, the
 * modules that import this one (and which of them use an export the new source
 * drops, which will fail validation), the plugins whose registrations are
 * rebuilt, calls in flight on the running version, and that version's error
 * rate and latency (the numbers probation compares after the swap).
 */
import { pluginHosts } from '../plugins/host-registry.ts';
import type { ModuleVersion } from '../runner/module-version.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { exportNamesOf } from './edit-source.ts';
import { lineDiff } from './line-diff.ts';

export interface VersionCalls {
  version: number | null;
  calls: number;
  errors: number;
  errorRate: number | null;
  /** Mean duration of sampled calls, ms. */
  meanMs: number | null;
  inFlight: number;
}

export interface Impact {
  module: string;
  baseHash: string;
  newHash: string;
  diff: string;
  /** Exports the module has now that the new source no longer declares. */
  removedExports: string[];
  importers: { module: string; names: string[]; breaks: boolean }[];
  plugins: { name: string; tools: string[]; commands: string[]; routes: string[] }[];
  running: VersionCalls;
}

export function callsOf(instance: ModuleVersion | undefined): VersionCalls {
  if (!instance) return { version: null, calls: 0, errors: 0, errorRate: null, meanMs: null, inFlight: 0 };
  const c = instance.calls;
  return { version: instance.version, calls: c.calls, errors: c.errors, errorRate: c.calls > 0 ? c.errors / c.calls : null, meanMs: c.samples > 0 ? c.sampledMs / c.samples : null, inFlight: 0 };
}

export function describeImpact(runtime: Runtime, file: string, rel: (f: string) => string, base: { text: string; hash: string }, next: { text: string; hash: string }): Impact {
  const current = runtime.moduleVersion(file);
  const plugins = pluginsOver(runtime, file);
  const before = current ? current.exportNames() : exportNamesOf(base.text, rel(file));
  const after = new Set(exportNamesOf(next.text, rel(file)));
  const removedExports = before.filter((name) => !after.has(name));
  const importers = (runtime.modules().find((m) => m.file === file)?.importers ?? []).map((importer) => {
    const names = importedNames(runtime, importer, file);
    return { module: rel(importer), names, breaks: names.some((n) => removedExports.includes(n)) };
  });
  return {
    module: rel(file),
    baseHash: base.hash,
    newHash: next.hash,
    diff: lineDiff(base.text, next.text, { from: `${rel(file)} (running)`, to: `${rel(file)} (new)` }),
    removedExports,
    importers,
    plugins: plugins.map(({ inFlight: _inFlight, ...p }) => p),
    // Calls in flight: plugin handler calls (the host tracks them); a module export's promises are not observed.
    running: { ...callsOf(current), inFlight: plugins.reduce((n, p) => n + p.inFlight, 0) },
  };
}

function importedNames(runtime: Runtime, importer: string, file: string): string[] {
  const names = new Set<string>();
  for (const record of runtime.moduleVersion(importer)?.transformed.imports ?? []) {
    if (runtime.resolveSpecifier(record.specifier, importer) === file) for (const n of record.names) names.add(n);
  }
  return [...names];
}

interface PluginStatsLike {
  name: string;
  file: string;
  inFlight?: number;
  registrations?: { tools: string[]; commands: string[]; routes: string[] };
}

function pluginsOver(runtime: Runtime, file: string): (Impact['plugins'][number] & { inFlight: number })[] {
  const stats = pluginHosts().at(-1)?.stats();
  if (!Array.isArray(stats)) return [];
  return (stats as PluginStatsLike[])
    .filter((p) => p.file === file || runtime.dependenciesOf(p.file).includes(file))
    .map((p) => ({ name: p.name, tools: p.registrations?.tools ?? [], commands: p.registrations?.commands ?? [], routes: p.registrations?.routes ?? [], inFlight: p.inFlight ?? 0 }));
}
