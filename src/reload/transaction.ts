/**
 * One change set is one transaction:
 *   plan → stage (transform + evaluate new versions beside the live ones,
 *   propagating to importers that must re-run) → validate → commit (one
 *   synchronous step) → dispose the replaced versions.
 * Any failure before commit discards the staged versions and leaves the
 * committed ones exactly as they were. Modules that hold an exclusive resource
 * (the entry, or `import.meta.hot.disposeFirst()`) are disposed before their
 * new version evaluates; if the transaction then fails, their old version is
 * evaluated again from its last good code.
 */
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import { acceptsDependency, rerunReason } from '../graph/propagation.ts';
import type { ModuleVersion, ModuleNode } from '../runner/module-node.ts';
import type { ModuleRegistry, StagingContext } from '../runner/module-registry.ts';
import { importLocation } from '../runner/module-registry.ts';
import type { ReloadParticipant, TransactionView } from './participant.ts';
import type { PhaseTimings, ReloadPhase, ReloadResult } from './reload-result.ts';
import { requestFiles, type NormalizedRequest } from './reload-request.ts';
import type { FatalState } from './reload-result.ts';
import { validateExportKinds, validateImports, type ValidationContext } from './validate.ts';

export interface TransactionDeps {
  registry: ModuleRegistry;
  root: string;
  entry: ModuleNode | undefined;
  participants: readonly ReloadParticipant[];
}

export async function runReloadTransaction(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<{ result: ReloadResult; view: TransactionView }> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const files = requestFiles(request);
  const base = { id, files, startedAt, trigger: request.trigger };
  const { registry, root } = deps;

  // plan
  const staging: StagingContext = { rerun: new Set(), sources: new Map(), created: [] };
  const missing = new Set<ModuleNode>();
  for (const file of request.removed) {
    const node = registry.getNode(file);
    if (node?.current) {
      node.missing = true;
      missing.add(node);
    }
  }
  for (const file of [...request.changed, ...(request.force ?? [])]) {
    const node = registry.getNode(file);
    if (!node) continue;
    let read: { source: string; hash: string };
    try {
      const given = request.sources.get(file);
      read = given === undefined ? await readSettled(registry, file, node.current?.hash) : registry.useSource(file, given);
    } catch {
      if (node.current) {
        node.missing = true;
        missing.add(node);
      }
      continue;
    }
    // A file that comes back after a delete gets a fresh version, so status recovers visibly.
    const restored = node.missing;
    node.missing = false;
    const forced = (request.force?.includes(file) ?? false) || restored;
    if (!forced && node.current?.status === 'evaluated' && node.current.hash === read.hash && node.lastError === undefined) continue;
    staging.sources.set(file, read);
    staging.rerun.add(node);
  }
  // A module whose last reload failed is retried when the change may be its fix: a file
  // created or deleted (a missing import), or a change in a module it imports (an added
  // export). Unrelated edits are not held hostage by a broken file elsewhere.
  const structural = request.removed.length > 0 || request.added.length > 0;
  const changedNow = new Set(staging.rerun);
  for (const node of registry.nodes.values()) {
    if (node.lastError === undefined || node.missing || staging.rerun.has(node) || !node.current) continue;
    if (structural || [...node.current.imports.values()].some((dep) => changedNow.has(dep))) {
      try {
        const given = request.sources.get(node.id);
        staging.sources.set(node.id, given === undefined ? registry.readSource(node.id) : registry.useSource(node.id, given));
        staging.rerun.add(node);
      } catch {
        // still missing: reported below through its importers
      }
    }
  }
  const added = request.added.filter((f) => !registry.getNode(f)?.current);
  // New files given in memory: a participant that loads them gets the given text.
  for (const file of added) {
    const given = request.sources.get(file);
    if (given !== undefined) staging.sources.set(file, registry.useSource(file, given));
  }
  const wantsAdded = added.length > 0 && deps.participants.length > 0;

  const timings: PhaseTimings = { stage: 0, validate: 0, commit: 0, dispose: 0, total: 0 };
  const disposedFirst: ModuleVersion[] = [];
  const rerunReasons: { file: string; reason: string }[] = [];
  const boundaries: { importer: ModuleVersion; dependency: ModuleNode }[] = [];
  const view: TransactionView = {
    id,
    trigger: request.trigger,
    caller: request.caller,
    reason: request.reason,
    files,
    get staged() {
      return staging.created.map((i) => ({ file: i.node.id, namespace: i.node.stagingViewFor(staging), version: i.version, hash: i.hash, source: i.source }));
    },
    removed: request.removed,
    added,
    async load(file: string): Promise<object> {
      const node = registry.ensureNode(file);
      node.isRoot = true;
      const instance = registry.versionFor(node, staging, []);
      await instance.evaluation;
      return node.stagingViewFor(staging);
    },
    async rerun(rerunFiles: readonly string[]): Promise<object[]> {
      const nodes = rerunFiles.map((file) => {
        const node = registry.getNode(file);
        if (!node?.current) throw new HotswapError(ERROR_CODES.USAGE, `Cannot re-run ${relativePath(file, root)}: it is not loaded`);
        return node;
      });
      for (const node of nodes) if (!node.staged) staging.rerun.add(node);
      for (const node of nodes) await registry.versionFor(node, staging, []).evaluation;
      return nodes.map((node) => node.stagingViewFor(staging));
    },
  };
  if (staging.rerun.size === 0 && missing.size === 0 && !wantsAdded) return { view, result: { ...base, status: 'skipped', reason: 'no-change' } };
  for (const node of staging.rerun) {
    if (node.current?.hotState.declined) return { view, result: { ...base, status: 'declined', module: node.id } };
  }
  registry.emitHotEvent('hotswap:beforeUpdate', { files });
  const prepared: ReloadParticipant[] = [];
  let phase: ReloadPhase = 'stage';

  try {
    // stage: changed modules first, then importers that must re-run, worklist style
    // Dispose-first modules (the entry, `disposeFirst()`) go last: they are disposed before they evaluate.
    const isDisposeFirst = (node: ModuleNode): boolean => node === deps.entry || node.current?.hotState.disposeFirst === true;
    const queue: ModuleNode[] = [];
    const lastQueue: ModuleNode[] = [];
    const enqueue = (node: ModuleNode): number => (isDisposeFirst(node) ? lastQueue : queue).push(node);
    for (const node of staging.rerun) enqueue(node);
    while (queue.length > 0 || lastQueue.length > 0) {
      const node = (queue.length > 0 ? queue.shift() : lastQueue.shift()) as ModuleNode;
      if (node.staged) continue;
      if (isDisposeFirst(node) && node.current) {
        disposedFirst.push(node.current);
        await registry.disposeVersion(node.current, 'replaced');
      }
      const instance = registry.versionFor(node, staging, []);
      await instance.evaluation;
      const before = node.current;
      // A version that never finished evaluating (a fatal restore) has no values anyone could have captured.
      if (!before || before.status !== 'evaluated' || before.hotState.selfAccept) continue;
      // Same export names, and every changed value a function (forwarded): no importer can have captured a stale value.
      const valuesKept = sameExportValues(before, instance);
      for (const importer of node.importers) {
        if (staging.rerun.has(importer) || !importer.current) continue;
        if (acceptsDependency(importer.current, node)) {
          boundaries.push({ importer: importer.current, dependency: node });
          continue;
        }
        if (valuesKept) continue;
        const reason = rerunReason(importer.current, node, before, instance, registry.resolver);
        if (!reason) continue;
        staging.rerun.add(importer);
        rerunReasons.push({ file: importer.id, reason: reason.kind === 'captured-value' ? `read "${reason.name}" of ${relativePath(node.id, root)} at top level` : `re-exports * from ${relativePath(node.id, root)}, whose export names changed` });
        enqueue(importer);
      }
    }
    // Versions pulled in by staging (new files) finish evaluating before validation.
    for (const created of staging.created) await created.evaluation;
    timings.stage = performance.now() - t0;

    // validate
    phase = 'validate';
    const tv = performance.now();
    const after = (node: ModuleNode): ModuleVersion | undefined => node.staged ?? node.current;
    const ctx: ValidationContext = { resolver: registry.resolver, root, frameFor: (location) => registry.frameFor(location), after };
    const staged = staging.created;
    for (const instance of staged) {
      validateImports(instance, ctx);
      if (instance.node.current && !disposedFirst.includes(instance.node.current)) validateExportKinds(instance.node.current, instance, root);
    }
    for (const instance of staged) {
      // Imports that resolved before still resolve when no export name was removed.
      const current = instance.node.current;
      if (current && !disposedFirst.includes(current) && keepsExportNames(current, instance)) continue;
      for (const importer of instance.node.importers) {
        if (!importer.staged && importer.current) validateImports(importer.current, ctx);
      }
    }
    checkMissing(missing, registry, root);
    const validatedCount = staging.created.length;
    phase = 'prepare';
    for (const participant of deps.participants) {
      prepared.push(participant);
      await participant.prepare?.(view);
    }
    // Versions a participant loaded must have finished too, and validate like the rest.
    for (const instance of staging.created.slice(validatedCount)) {
      await instance.evaluation;
      validateImports(instance, ctx);
    }
    timings.validate = performance.now() - tv;

    // commit: one synchronous step
    phase = 'commit';
    const tc = performance.now();
    const replaced: ModuleVersion[] = [];
    for (const instance of staged) {
      const node = instance.node;
      const old = node.current;
      if (old) {
        for (const dep of old.imports.values()) dep.importers.delete(node);
        replaced.push(old);
      }
      for (const dep of instance.imports.values()) dep.importers.add(node);
      node.current = instance;
      node.staged = undefined;
      instance.stagingContext = undefined;
      node.adopt(instance, old);
      node.syncViews();
      node.lastError = undefined;
      node.fatal = undefined;
      node.lastReloadAt = Date.now();
    }
    for (const node of registry.nodes.values()) node.endTransaction(staging);
    for (const participant of deps.participants) {
      try {
        participant.commit?.(view);
      } catch (error) {
        registry.emitHotEvent('hotswap:error', { files, error: new HotswapError(ERROR_CODES.HOT_CALLBACK, `Reload participant ${participant.name} threw in commit: ${String(error)}`, { cause: error }) });
      }
    }
    timings.commit = performance.now() - tc;

    // after commit: accept callbacks, dispose, prune
    const td = performance.now();
    for (const old of replaced) {
      for (const callback of old.hotState.selfAcceptCallbacks) safeCall(registry, old.node, () => callback(old.node.live));
    }
    for (const { importer, dependency } of boundaries) {
      for (const accept of importer.hotState.depAccepts) {
        if (!accept.deps.includes(dependency.id) || !accept.callback) continue;
        const modules = accept.deps.map((d) => registry.getNode(d)?.live);
        safeCall(registry, importer.node, () => accept.callback?.(modules));
      }
    }
    for (const old of replaced) await registry.disposeVersion(old, 'replaced');
    const orphanCandidates = new Set<ModuleNode>(missing);
    for (const old of replaced) for (const dep of old.imports.values()) orphanCandidates.add(dep);
    const pruned = await prune(registry, orphanCandidates, missing, deps.entry);
    timings.dispose = performance.now() - td;
    timings.total = performance.now() - t0;
    registry.emitHotEvent('hotswap:afterUpdate', { files });
    const result: ReloadResult = {
      ...base,
      status: 'committed',
      updated: staged.map((i) => ({ file: i.node.id, version: i.version })),
      rerun: rerunReasons,
      pruned,
      timings,
    };
    return { view, result };
  } catch (caught) {
    const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, `Reload failed: ${String(caught)}`, { cause: caught });
    for (const participant of prepared) {
      try {
        await participant.abort?.(view);
      } catch {
        // abort must not mask the original error
      }
    }
    for (const instance of staging.created) {
      if (instance.node.staged === instance) instance.node.staged = undefined;
      instance.stagingContext = undefined;
      // A failed first load of a new file leaves nothing behind.
      await registry.disposeVersion(instance, 'aborted');
    }
    for (const node of registry.nodes.values()) node.endTransaction(staging);
    for (const node of staging.rerun) node.lastError = error;
    const { restored, fatal } = await restoreDisposedFirst(registry, disposedFirst, id, root);
    // The phase that failed gets the time spent in it (stage, or validate when staging had finished).
    if (timings.stage === 0) timings.stage = performance.now() - t0;
    else if (timings.validate === 0) timings.validate = performance.now() - t0 - timings.stage;
    timings.total = performance.now() - t0;
    registry.emitHotEvent('hotswap:error', { files, error });
    const result: ReloadResult = { ...base, status: 'failed', error, phase, restored, timings, ...(fatal ? { fatal } : {}) };
    return { view, result };
  }
}

/** A deleted file that something still imports after this transaction: keep the old version, report where it is imported. */
function checkMissing(missing: Set<ModuleNode>, registry: ModuleRegistry, root: string): void {
  for (const node of missing) {
    for (const importer of node.importers) {
      const version = importer.staged ?? importer.current;
      if (!version || !version.imports.has(node.id)) continue;
      const record = version.transformed.imports.find((r) => {
        try {
          const resolved = registry.resolver.resolve(r.specifier, importer.id);
          return resolved.kind === 'project' && resolved.path === node.id;
        } catch {
          return true;
        }
      });
      const location = record ? importLocation(version, record.specifier) : undefined;
      throw new HotswapError(ERROR_CODES.FILE_DELETED, `${relativePath(node.id, root)} was deleted, but ${relativePath(importer.id, root)} still imports it`, {
        location,
        frame: registry.frameFor(location),
        hint: 'Restore the file, or change the import (a rename: fix the import path); the last good version keeps serving.',
      });
    }
  }
}

/** Remove modules nothing imports any more (deleted files, dropped imports), running their prune handlers. */
async function prune(registry: ModuleRegistry, candidates: Iterable<ModuleNode>, missing: Set<ModuleNode>, entry: ModuleNode | undefined): Promise<string[]> {
  const pruned: string[] = [];
  // Only nodes that lost an importer in this transaction (and what they import, transitively) can be orphans.
  const queue = [...candidates];
  while (queue.length > 0) {
    const node = queue.shift() as ModuleNode;
    if (node === entry || node.importers.size > 0 || !node.current || registry.getNode(node.id) !== node) continue;
    // Roots (the entry, plugin files) stay loaded without importers unless deleted.
    if (!missing.has(node) && node.isRoot) continue;
    const instance = node.current;
    for (const dep of instance.imports.values()) {
      dep.importers.delete(node);
      queue.push(dep);
    }
    node.current = undefined;
    await registry.disposeVersion(instance, 'pruned');
    registry.removeNode(node);
    pruned.push(node.id);
  }
  return pruned;
}

/**
 * Evaluate the old version of each dispose-first module again. One whose old code no
 * longer evaluates (its world changed) leaves the process with no good version of it:
 * a fatal state, reported loudly, never as "restored".
 */
async function restoreDisposedFirst(registry: ModuleRegistry, disposed: ModuleVersion[], id: number, root: string): Promise<{ restored: boolean; fatal: FatalState | undefined }> {
  const lost: { file: string; error: HotswapError }[] = [];
  for (const old of disposed) {
    const node = old.node;
    const restored = registry.createVersion(node, undefined, [], old);
    try {
      await restored.evaluation;
      for (const dep of old.imports.values()) dep.importers.delete(node);
      for (const dep of restored.imports.values()) dep.importers.add(node);
      node.adopt(restored, old);
      node.syncViews();
    } catch (caught) {
      const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, String(caught), { cause: caught });
      node.fatal = error;
      lost.push({ file: node.id, error });
    }
  }
  const first = lost[0];
  if (!first) return { restored: disposed.length > 0, fatal: undefined };
  const names = lost.map((l) => relativePath(l.file, root)).join(', ');
  const fatal: FatalState = {
    modules: lost.map((l) => l.file),
    message: `The process is running no good version of ${names}: its new version failed and its last good version failed to start again (${first.error.message}). Fix it and save, or restart the process.`,
    error: new HotswapError(ERROR_CODES.FATAL, `No good version of ${names} is running`, { cause: first.error, hint: 'Fix the module and save (the next good save recovers), or restart the process.' }),
    reload: id,
  };
  return { restored: lost.length < disposed.length, fatal };
}

function safeCall(registry: ModuleRegistry, node: ModuleNode, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    registry.emitHotEvent('hotswap:error', {
      files: [node.id],
      error: new HotswapError(ERROR_CODES.HOT_CALLBACK, `An accept handler of ${node.id} threw: ${String(error)}`, { cause: error }),
    });
  }
}

const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * An editor that saves in place truncates the file, then writes it: a read in
 * between sees an empty file. An empty read of a file that had content waits
 * (bounded, 50 ms) for the write; a file that stays empty is taken as empty.
 */
async function readSettled(registry: ModuleRegistry, file: string, previousHash: string | undefined): Promise<{ source: string; hash: string }> {
  let read = registry.readSource(file);
  if (read.hash !== EMPTY_HASH || previousHash === undefined || previousHash === EMPTY_HASH) return read;
  for (let waited = 0; waited < 50 && read.hash === EMPTY_HASH; waited += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    read = registry.readSource(file);
  }
  return read;
}

function sameExportValues(before: ModuleVersion, after: ModuleVersion): boolean {
  const names = before.exportNames();
  const next = after.exportNames();
  if (names.length !== next.length) return false;
  for (const name of next) {
    const old = before.rawExport(name);
    const value = after.rawExport(name);
    if (!Object.is(old, value) && !(typeof old === 'function' && typeof value === 'function')) return false;
  }
  return names.every((n) => next.includes(n));
}

function keepsExportNames(before: ModuleVersion, after: ModuleVersion): boolean {
  const next = new Set(after.exportNames());
  return before.exportNames().every((n) => next.has(n));
}
