/**
 * Phase 3, validate: every import of a staged version (and of the committed
 * importers whose imports may have broken) resolves to an export of a
 * compatible kind; no deleted file is still imported. Then the participants
 * prepare (phase `prepare`): plugin setup, health and smoke run against the
 * staged versions, and what they load validates like the rest.
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { importLocation } from '../runner/import-location.ts';
import type { ModuleNode, ModuleVersion } from '../runner/module-node.ts';
import type { ModuleRegistry } from '../runner/module-registry.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';
import { namespaceWarnings, validateExportKinds, validateImports, type ValidationContext } from './validate.ts';

export async function validate(deps: TransactionDeps, tx: TransactionState): Promise<void> {
  const { registry, root, clock } = deps;
  tx.phase = 'validate';
  const started = clock.monotonic();
  const ctx = validationContext(registry, root);
  const staged = [...tx.staging.created];
  const replacedEarly = (version: ModuleVersion | undefined): boolean => version !== undefined && tx.disposedFirst.includes(version);
  for (const version of staged) {
    if (!version.bindingsChecked) validateImports(version, ctx);
    const current = version.node.current;
    if (current && current.status === 'evaluated' && !replacedEarly(current)) validateExportKinds(current, version, ctx);
  }
  for (const version of staged) {
    // Imports that resolved before still resolve when no export name was removed.
    const current = version.node.current;
    if (current && current.status === 'evaluated' && !replacedEarly(current) && keepsExportNames(current, version)) continue;
    for (const importer of version.node.importers) {
      if (!importer.staged && importer.current) validateImports(importer.current, ctx);
    }
  }
  checkMissing(tx.missing, registry, root);
  tx.warnings = namespaceWarnings(staged, ctx);

  tx.phase = 'prepare';
  for (const participant of deps.participants) {
    tx.prepared.push(participant);
    await participant.prepare?.(tx.view);
  }
  // Versions a participant loaded must have finished too, and validate like the rest.
  for (const version of tx.staging.created.slice(staged.length)) {
    await version.evaluation;
    validateImports(version, ctx);
  }
  tx.timings.validate = clock.monotonic() - started;
}

function validationContext(registry: ModuleRegistry, root: string): ValidationContext {
  return { resolver: registry.resolver, root, frameFor: (location) => registry.frameFor(location), after: (node) => node.staged ?? node.current };
}

function keepsExportNames(before: ModuleVersion, after: ModuleVersion): boolean {
  const next = after.exportNameSet();
  if (next === before.exportNameSet()) return true;
  for (const name of before.exportNameSet()) if (!next.has(name)) return false;
  return true;
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
