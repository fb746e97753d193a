/**
 * @module store/sqlite/client
 * The only file that talks to better-sqlite3: a `SqlDriver` over one synchronous connection. Prepared
 * statements are cached per SQL text; a mutex keeps other calls out while a transaction is open, because
 * the one connection is shared by every async caller in the process.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { Mutex, type SqlDriver } from '../sql/driver.ts';

export type RawDatabase = BetterSqlite3.Database;

/** Open the file with better-sqlite3 (a native addon, kept outside the bundle and loaded through require). */
export function openRawDatabase(path: string, busyTimeoutMs: number): RawDatabase {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return new Database(path, { timeout: busyTimeoutMs });
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
      if ((error as { code?: string })?.code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}

/** A driver over `raw`. */
export function createSqliteDriver(raw: RawDatabase): SqlDriver {
  const mutex = new Mutex();
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = raw.prepare(sql)));
    return statement;
  };
  // Bound directly: these run on the connection, inside a transaction or under the mutex.
  const direct: SqlDriver = {
    dialect: 'sqlite',
    async query(sql, params = []) {
      return prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[];
    },
    async run(sql, params = []) {
      return { changes: prepare(sql).run(...(params as unknown[])).changes };
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
