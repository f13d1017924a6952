/**
 * The script names each module ran under (`file.ts?v=N`), so stack traces of old versions still
 * map while calls into them may be in flight: the last few per module stay registered, and all
 * of them go when the module leaves the graph.
 */
import type { ModuleNode } from './module-node.ts';
import { unregisterSourceMaps } from './source-maps.ts';

/** Old versions' script names kept mapped for stack traces of calls still in flight. */
const MAPS_KEPT_PER_MODULE = 4;

export class ScriptNames {
  readonly #byNode = new Map<ModuleNode, string[]>();

  remember(node: ModuleNode, script: string): void {
    const list = this.#byNode.get(node) ?? [];
    // A re-run of unchanged code runs under the same script name: one entry, moved to the newest,
    // so dropping the oldest never unregisters the maps of the code that runs now.
    const at = list.indexOf(script);
    if (at === list.length - 1 && at >= 0) return;
    if (at >= 0) list.splice(at, 1);
    list.push(script);
    while (list.length > MAPS_KEPT_PER_MODULE) unregisterSourceMaps(list.shift() as string);
    this.#byNode.set(node, list);
  }

  forget(node: ModuleNode): void {
    for (const script of this.#byNode.get(node) ?? []) unregisterSourceMaps(script);
    this.#byNode.delete(node);
  }
}
