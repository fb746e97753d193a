/**
 * @module store/sqlite/client
 * The only file that talks to a SQLite library: a `SqlDriver` over one synchronous connection. Prepared
 * statements are cached per SQL text; a mutex keeps other calls out while a transaction is open, because
 * the one connection is shared by every async caller in the process.
 *
 * The connection is Node's built-in `node:sqlite` where it is stable (no experimental warning), else the
 * better-sqlite3 native addon. Loading the addon (about fifteen CommonJS files and a dlopen) costs ~10 ms
 * of every `cm` start, which is most of what a cached `cm vm list` spends beyond Node itself. One process
 * uses one library only: two SQLite copies on one file in one process would drop each other's POSIX locks.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import type { DatabaseSync } from 'node:sqlite';
import { Mutex, type SqlDriver } from '../sql/driver.ts';
import { requirePackage } from '../../vendor/require.ts';

/** The SQLite libraries this store can run on. */
export type SqliteLibrary = 'node:sqlite' | 'better-sqlite3';

/** One prepared statement; parameters are positional. */
export interface RawStatement {
  all(params: readonly unknown[]): Record<string, unknown>[];
  get(params: readonly unknown[]): Record<string, unknown> | undefined;
  run(params: readonly unknown[]): { changes: number };
}

/** What the store needs of a connection, whichever library opened it. */
export interface RawDatabase {
  readonly library: SqliteLibrary;
  prepare(sql: string): RawStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): void;
  /** The same connection in the shape Kysely's SqliteDialect takes (migrations only). */
  kysely(): SqliteDatabase;
}

/**
 * Which library to use: `CM_SQLITE_DRIVER` (node:sqlite | better-sqlite3) when set, else node:sqlite from
 * Node 24.15 (where it became a release candidate and stopped warning) and on Node 26 and later.
 */
export function sqliteLibrary(env: Readonly<Record<string, string | undefined>> = process.env): SqliteLibrary {
  const chosen = env.CM_SQLITE_DRIVER;
  if (chosen === 'node:sqlite' || chosen === 'better-sqlite3') return chosen;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major >= 26 || (major === 24 && minor >= 15) ? 'node:sqlite' : 'better-sqlite3';
}

/** Open the file (creating it) with `library`, waiting up to `busyTimeoutMs` for other writers' locks. */
export function openRawDatabase(path: string, busyTimeoutMs: number, library: SqliteLibrary = sqliteLibrary()): RawDatabase {
  return library === 'node:sqlite' ? openBuiltin(path, busyTimeoutMs) : openAddon(path, busyTimeoutMs);
}

function openBuiltin(path: string, busyTimeoutMs: number): RawDatabase {
  const { DatabaseSync: Database } = process.getBuiltinModule('node:sqlite');
  const db: DatabaseSync = new Database(path, { timeout: busyTimeoutMs });
  const statement = (sql: string) => db.prepare(sql);
  return {
    library: 'node:sqlite',
    prepare(sql) {
      const s = statement(sql);
      // Rows come back as arrays and become objects here: node:sqlite builds each row object key by key
      // in C++, which for 1000 rows of 15 columns took 8-11 ms against 3.5 ms for arrays plus ~1 ms for
      // this loop, whose objects also share one shape and so are faster for everything that reads them.
      let names: string[] | undefined;
      const asArrays = typeof s.setReturnArrays === 'function';
      if (asArrays) s.setReturnArrays(true);
      const toObject = (values: unknown[]): Record<string, unknown> => {
        names ??= s.columns().map((column) => column.name);
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
        return row;
      };
      return {
        all: (params) => {
          const rows = s.all(...(params as never[])) as unknown[];
          return asArrays ? rows.map((values) => toObject(values as unknown[])) : (rows as Record<string, unknown>[]);
        },
        get: (params) => {
          const row = s.get(...(params as never[])) as unknown;
          return asArrays && row !== undefined ? toObject(row as unknown[]) : (row as Record<string, unknown> | undefined);
        },
        run: (params) => ({ changes: Number(s.run(...(params as never[])).changes) }),
      };
    },
    exec: (sql) => db.exec(sql),
    get inTransaction() {
      return db.isTransaction;
    },
    get open() {
      return db.isOpen;
    },
    close: () => db.close(),
    kysely: () => ({
      close: () => db.close(),
      prepare(sql) {
        const s = statement(sql);
        return {
          reader: s.columns().length > 0,
          all: (params) => s.all(...(params as never[])),
          run: (params) => s.run(...(params as never[])),
          iterate: (params) => s.iterate(...(params as never[])),
        };
      },
    }),
  };
}

function openAddon(path: string, busyTimeoutMs: number): RawDatabase {
  // A native addon, kept outside the bundle and loaded through require.
  const Database = requirePackage<typeof BetterSqlite3>('better-sqlite3');
  const db = new Database(path, { timeout: busyTimeoutMs });
  return {
    library: 'better-sqlite3',
    prepare(sql) {
      const s = db.prepare(sql);
      return {
        all: (params) => s.all(...params) as Record<string, unknown>[],
        get: (params) => s.get(...params) as Record<string, unknown> | undefined,
        run: (params) => ({ changes: s.run(...params).changes }),
      };
    },
    exec: (sql) => void db.exec(sql),
    get inTransaction() {
      return db.inTransaction;
    },
    get open() {
      return db.open;
    },
    close: () => void db.close(),
    kysely: () => db,
  };
}

/** SQLite's primary result codes that callers tell apart, by number (node:sqlite reports `errcode`). */
const RESULT_NAMES: Record<number, string> = { 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 14: 'SQLITE_CANTOPEN', 26: 'SQLITE_NOTADB' };

/** The SQLite result name of an error from either library (`SQLITE_BUSY`, …), undefined for other errors. */
export function sqliteErrorCode(error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  // Extended codes (SQLITE_BUSY_SNAPSHOT = 517) keep the primary code in the low byte.
  if (typeof errcode === 'number') return RESULT_NAMES[errcode & 0xff] ?? `SQLITE_${errcode}`;
  return undefined;
}

/**
 * Run `fn` again while SQLite answers SQLITE_BUSY, for up to `timeoutMs`, with a short randomised pause:
 * for the few statements (such as switching the journal mode) that fail at once instead of waiting.
 */
export function retryWhileBusy<T>(fn: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (error) {
      if (sqliteErrorCode(error) !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}

/** A driver over `raw`. */
export function createSqliteDriver(raw: RawDatabase): SqlDriver {
  const mutex = new Mutex();
  const cache = new Map<string, RawStatement>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = raw.prepare(sql)));
    return statement;
  };
  // Bound directly: these run on the connection, inside a transaction or under the mutex.
  const direct: SqlDriver = {
    dialect: 'sqlite',
    async query(sql, params = []) {
      return prepare(sql).all(params);
    },
    async run(sql, params = []) {
      return prepare(sql).run(params);
    },
    transaction: (begin, fn) => inTransaction(begin, fn),
    async close() {},
  };
  async function inTransaction<T>(begin: string, fn: (connection: SqlDriver) => Promise<T>): Promise<T> {
    raw.exec(begin);
    try {
      const result = await fn(direct);
      raw.exec('COMMIT');
      return result;
    } catch (error) {
      if (raw.inTransaction) raw.exec('ROLLBACK');
      throw error;
    }
  }
  return {
    dialect: 'sqlite',
    query: (sql, params) => mutex.run(() => direct.query(sql, params)),
    run: (sql, params) => mutex.run(() => direct.run(sql, params)),
    transaction: (begin, fn) => mutex.run(() => inTransaction(begin, fn)),
    async close() {
      await mutex.run(async () => {
        if (raw.open) raw.close();
      });
    },
  };
}
