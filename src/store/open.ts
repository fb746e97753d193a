/**
 * @module store/open
 * What every backend's opener (SQLite, PostgreSQL, MySQL, MongoDB) does last.
 */
import type { Store } from '../core/store.ts';

/**
 * What every `open…Store` ends with: bring the schema up to date (unless `migrate` is false) and, should
 * that fail, release the connections before the error goes to the caller.
 */
export async function migrateOnOpen(store: Store, migrate = true): Promise<Store> {
  if (!migrate) return store;
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
