/**
 * What `hotswap doctor` says about the version store: whether
 * `.hotswap/versions.db` opens, migrates and passes `PRAGMA integrity_check`.
 * A store that fails here does not stop `hotswap run`: it runs without history.
 */
import { existsSync } from 'node:fs';
import { VersionStore } from './version-store.ts';

export type StoreHealth = { ok: true; detail: string } | { ok: false; detail: string; fix: string };

export function inspectVersionStore(file: string, label = '.hotswap/versions.db'): StoreHealth {
  if (!existsSync(file)) return { ok: true, detail: `${label} not created yet (hotswap run creates it)` };
  let store: VersionStore | undefined;
  try {
    store = VersionStore.open(file);
    const integrity = store.integrityCheck();
    if (integrity !== 'ok') return { ok: false, detail: `${label} fails its integrity check: ${integrity.split('\n')[0] ?? ''}`, fix: `hotswap runs without history until it is fixed: move ${label} away (the next run starts a new history).` };
    const versions = store.history({ limit: 10_000 }).length;
    return { ok: true, detail: `${label}: ${versions}${versions === 10_000 ? '+' : ''} versions of ${store.modules().length} modules, ${store.sourceCount()} sources, integrity ok` };
  } catch (error) {
    return { ok: false, detail: `${label} cannot be opened: ${(error as Error).message}`, fix: `hotswap runs without history until it opens: make ${label} (and .hotswap/) writable, or move a corrupt file away (the next run starts a new history).` };
  } finally {
    store?.close();
  }
}
