/**
 * @module store/registry
 * The one list of store backends. Each entry loads its implementation only when chosen, so a command
 * that touches no state loads no driver.
 */
import type { DatabaseConfig } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import type { Store } from '../core/store.ts';
import { didYouMean } from '../core/suggest.ts';

/** How to open one backend from the `database` section of the config. */
type StoreOpener = (database: DatabaseConfig, home: string) => Promise<Store>;

export const STORE_BACKENDS: Record<string, StoreOpener> = {
  async sqlite(database, home) {
    const { openSqliteStore } = await import('./sqlite/index.ts');
    const { join, resolve } = await import('node:path');
    return openSqliteStore({ path: database.path ? resolve(home, database.path) : join(home, 'cloudmesh.db') });
  },
};

/** Open the store the config names. An unknown or unreachable backend is an error, never a silent fall-back. */
export async function openStore(database: DatabaseConfig, home: string): Promise<Store> {
  const open = STORE_BACKENDS[database.backend];
  if (!open) {
    throw new UserError(`unknown database backend "${database.backend}"${didYouMean(database.backend, Object.keys(STORE_BACKENDS))}`, {
      hint: `supported: ${Object.keys(STORE_BACKENDS).join(', ')}`,
    });
  }
  return open(database, home);
}
