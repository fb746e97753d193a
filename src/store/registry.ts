/**
 * @module store/registry
 * The one list of store backends. Each entry loads its implementation only when chosen, so a command
 * that touches no state loads no driver.
 */
import type { DatabaseConfig } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import type { Store, StoreScope } from '../core/store.ts';
import { didYouMean } from '../core/suggest.ts';

/** How to open one backend from the `database` section of the config. */
type StoreOpener = (database: DatabaseConfig, home: string, env: Readonly<Record<string, string | undefined>>, scope?: StoreScope) => Promise<Store>;

export const STORE_BACKENDS: Record<string, StoreOpener> = {
  async sqlite(database, home, _env, scope) {
    const { openSqliteStore } = await import('./sqlite/index.ts');
    const { join, resolve } = await import('node:path');
    return openSqliteStore({ path: database.path ? resolve(home, database.path) : join(home, 'cloudmesh.db'), ...(scope ? { scope } : {}) });
  },
  async postgres(database, home, env, scope) {
    const { openPostgresStore } = await import('./postgres/index.ts');
    return openPostgresStore({ url: await serverUrl(database, home, env, 'postgres://user:password@host:5432/database'), ...(scope ? { scope } : {}) });
  },
  async mysql(database, home, env, scope) {
    const { openMysqlStore } = await import('./mysql/index.ts');
    return openMysqlStore({ url: await serverUrl(database, home, env, 'mysql://user:password@host:3306/database'), ...(scope ? { scope } : {}) });
  },
  async mongo(database, home, env, scope) {
    const { openMongoStore } = await import('./mongo/index.ts');
    return openMongoStore({ url: await serverUrl(database, home, env, 'mongodb://user:password@host:27017/database'), ...(scope ? { scope } : {}) });
  },
};

/** `database.url`, which is a secret: it may be written in place or as `env:VAR` / `file:PATH`. */
async function serverUrl(database: DatabaseConfig, home: string, env: Readonly<Record<string, string | undefined>>, example: string): Promise<string> {
  if (!database.url) throw new UserError(`database.url is required for the ${database.backend} backend`, { hint: `url: ${example}` });
  const { resolveSecret } = await import('../config/secrets.ts');
  return resolveSecret(database.url, env, { baseDir: home, name: 'database.url' });
}

/**
 * Open the store the config names, seeing the rows of `scope` (store/scope.ts scopeFor: what `cm` passes).
 * An unknown or unreachable backend is an error, never a silent fall-back.
 */
export async function openStore(database: DatabaseConfig, home: string, env: Readonly<Record<string, string | undefined>> = process.env, scope?: StoreScope): Promise<Store> {
  const open = STORE_BACKENDS[database.backend];
  if (!open) {
    throw new UserError(`unknown database backend "${database.backend}"${didYouMean(database.backend, Object.keys(STORE_BACKENDS))}`, {
      hint: `supported: ${Object.keys(STORE_BACKENDS).join(', ')}`,
    });
  }
  return open(database, home, env, scope);
}
