/**
 * @module store/mysql
 * The MySQL / MariaDB store: the shared SQL store over a small mysql2 pool. Keys are VARCHAR (a TEXT
 * column cannot be a key) and every string column uses a binary, no-pad utf8mb4 collation, so names are
 * case-sensitive, `a` and `a ` stay two keys, and order is by code point, exactly as in the SQLite store.
 */
import { UserError } from '../../core/errors.ts';
import type { Store, StoreScope } from '../../core/store.ts';
import type { SqlDriver } from '../sql/driver.ts';
import { checkPoolSize, describeServerError, parseServerUrl, safeCause, type ServerKind, type ServerTarget } from '../sql/server.ts';
import { migrateOnOpen } from '../open.ts';
import { createSqlStore } from '../sql/sql-store.ts';
import { createMysqlDriver, mysqlKysely, type MysqlPoolOptions } from './client.ts';

export interface MysqlStoreOptions {
  /** `mysql://user:password@host:3306/database` (also `mariadb://`); query options: ssl, connectTimeout. */
  url: string;
  /** Bring the schema up to date on open (default true). */
  migrate?: boolean;
  /**
   * Connections kept at most (default 2): a CLI does one thing at a time, and a transaction holds one
   * connection while the other serves reads. A long-running server may want more.
   */
  poolSize?: number;
  /** Whose rows this store sees on a shared database (core/store.ts); default: owner ''. */
  scope?: StoreScope;
}

const MYSQL: ServerKind = { backend: 'mysql', label: 'MySQL', schemes: ['mysql', 'mariadb'], defaultPort: 3306 };

/** Open the store in the database the URL names and migrate it to the current schema. */
export async function openMysqlStore(options: MysqlStoreOptions): Promise<Store> {
  const target = parseServerUrl(options.url, MYSQL);
  const poolSize = checkPoolSize(options.poolSize, MYSQL);
  const driver = await createMysqlDriver(poolOptions(target, poolSize));
  const describeError = (error: unknown, operation: string) => describe(error, target, operation);
  let collation: string;
  try {
    // The first statement also proves the server answers, so a bad URL fails here with a clear message.
    collation = await binaryCollation(driver);
  } catch (error) {
    await driver.close();
    throw describeError(error, 'connect');
  }
  const charset = `character set utf8mb4 collate ${collation}`;
  const store = createSqlStore({
    backend: 'mysql',
    location: target.location,
    // LONGTEXT: JSON documents and public keys may pass TEXT's 64 KiB.
    types: { key: `varchar(255) ${charset}`, text: `longtext ${charset}`, owner: `varchar(191) ${charset}`, shortKey: `varchar(64) ${charset}` },
    driver,
    beginWrite: 'START TRANSACTION',
    kysely: mysqlKysely,
    // No backup: copying a server database is the DBA's mysqldump, not something a client should attempt.
    describeError,
    ...(options.scope ? { scope: options.scope } : {}),
  });
  return migrateOnOpen(store, options.migrate);
}

/** mysql2's options from the URL. Only known query options pass: others could turn on multipleStatements. */
function poolOptions(target: ServerTarget, max: number): MysqlPoolOptions {
  const options: MysqlPoolOptions = { host: target.host, port: target.port, database: target.database, max };
  if (target.user) options.user = target.user;
  if (target.password) options.password = target.password;
  for (const [key, value] of target.url.searchParams) {
    if (key === 'ssl') options.ssl = parseSsl(value);
    else if (key === 'connectTimeout' && /^\d+$/.test(value)) options.connectTimeout = Number(value);
    else {
      throw new UserError(`database.url has an option cloudmesh does not pass to MySQL: ${key}`, {
        hint: 'supported: ssl (a JSON object such as {"rejectUnauthorized":true}, or a profile name), connectTimeout (ms)',
      });
    }
  }
  return options;
}

function parseSsl(value: string): string | Record<string, unknown> {
  if (!value.startsWith('{')) return value;
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new UserError('the ssl option of database.url is not valid JSON', { hint: 'write it as ssl={"rejectUnauthorized":true}' });
  }
}

/**
 * The binary, no-pad utf8mb4 collation of this server: MariaDB (10.2+) and MySQL 8 each have one under
 * a different name. Older MySQL has only the padding one, where `a` and `a ` are the same key.
 */
async function binaryCollation(driver: SqlDriver): Promise<string> {
  const [row] = await driver.query('SELECT VERSION() AS version');
  const version = String(row?.version ?? '');
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
  if (/mariadb/i.test(version)) return major > 10 || (major === 10 && minor >= 2) ? 'utf8mb4_nopad_bin' : 'utf8mb4_bin';
  return major >= 8 ? 'utf8mb4_0900_bin' : 'utf8mb4_bin';
}

/** MySQL's own refusals, by error code; the network failures are the shared ones. */
function describe(error: unknown, target: ServerTarget, operation: string): Error {
  return describeServerError(error, target, operation, (code) => {
    const where = `MySQL at ${target.address}`;
    const user = target.user || '(default)';
    const cause = safeCause(error, target);
    const credentials = 'check the user and password in database.url (cloudmesh.yaml)';
    switch (code) {
      case 'ER_ACCESS_DENIED_ERROR':
        return new UserError(`${where} refused user ${user}: wrong user name or password`, { cause, hint: credentials });
      case 'ER_HOST_NOT_PRIVILEGED':
        return new UserError(`${where} does not accept connections from this host`, { cause, hint: 'ask the DBA to allow this host for the user' });
      case 'ER_DBACCESS_DENIED_ERROR':
        return new UserError(`user ${user} may not use database ${target.database} on ${where}`, { cause, hint: credentials });
      case 'ER_BAD_DB_ERROR':
        return new UserError(`database ${target.database} does not exist on ${where}`, {
          cause,
          hint: `create it (CREATE DATABASE \`${target.database}\`) or fix the database name in database.url`,
        });
      case 'ER_TABLEACCESS_DENIED_ERROR':
      case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
        return new UserError(`user ${user} may not ${operation} in ${target.database} on ${where}`, {
          cause,
          hint: 'grant the user the privileges cloudmesh needs (CREATE, INDEX for migrations, then SELECT, INSERT, UPDATE, DELETE)',
        });
    }
    return undefined;
  });
}
