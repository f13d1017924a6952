/**
 * What probation reads of a version: the calls and errors counted since it was
 * watched, by the stable forwarders of its module instance and, for a plugin
 * file, by the plugin host.
 */
import { pluginHosts } from '../plugins/host-registry.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { CallSample } from './probation.ts';

interface PluginTotals {
  file: string;
  calls: number;
  errors: number;
  inFlight: number;
}

/** A sampler of the version of `file` that runs now, or undefined when none is loaded. */
export function callSampler(runtime: Runtime, file: string): (() => CallSample) | undefined {
  let instance = runtime.moduleVersion(file);
  if (!instance) return undefined;
  // A plugin file's handlers are closures the plugin host calls and counts, not exports.
  const basePlugin = pluginTotals(file);
  let base = { calls: instance.calls.calls, errors: instance.calls.errors };
  // Counts of earlier instances of this version: a module that re-runs with the same code (a
  // dependency changed) keeps its version and its window, and its calls reach the new instance.
  const carried = { calls: 0, errors: 0 };
  return () => {
    const now = runtime.moduleVersion(file);
    if (now && instance && now !== instance) {
      carried.calls += instance.calls.calls - base.calls;
      carried.errors += instance.calls.errors - base.errors;
      instance = now;
      base = { calls: 0, errors: 0 };
    }
    const calls = (instance as NonNullable<typeof instance>).calls;
    const p = pluginTotals(file);
    return {
      calls: carried.calls + calls.calls - base.calls + (p.calls - basePlugin.calls),
      errors: carried.errors + calls.errors - base.errors + (p.errors - basePlugin.errors),
      // Plugin handler calls running now (the host tracks them); a module export's promises are not observed.
      inFlight: p.inFlight,
      meanMs: calls.samples > 0 ? calls.sampledMs / calls.samples : null,
    };
  };
}

/** Calls and errors the plugin host counted for the plugin in `file` (zero when it is no plugin). */
function pluginTotals(file: string): { calls: number; errors: number; inFlight: number } {
  const plugin = pluginStatsByFile().get(file);
  return { calls: plugin?.calls ?? 0, errors: plugin?.errors ?? 0, inFlight: plugin?.inFlight ?? 0 };
}

let statsMemo: Map<string, PluginTotals> | undefined;

/**
 * The plugin host's stats by file, taken once per synchronous run: a probation tick samples every
 * watched version, and a start-up watches every module, each asking for the same snapshot.
 */
function pluginStatsByFile(): Map<string, PluginTotals> {
  if (statsMemo) return statsMemo;
  const stats = pluginHosts().at(-1)?.stats();
  statsMemo = new Map(Array.isArray(stats) ? (stats as PluginTotals[]).map((p) => [p.file, p]) : []);
  queueMicrotask(() => (statsMemo = undefined));
  return statsMemo;
}
