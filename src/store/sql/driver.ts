/**
 * @module store/sql/driver
 * The little a SQL store needs from a database driver: run a statement with parameters, and run a function
 * on one connection inside a transaction. The SQLite driver is better-sqlite3; PostgreSQL and MySQL drivers
 * implement the same shape over a pool.
 */

/** The SQL dialects the shared store knows how to speak. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Rows of a SELECT. `params` are bound, never spliced into the text. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** An INSERT/UPDATE/DELETE/DDL statement; returns how many rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  /**
   * Run `fn` on one connection between `begin` and COMMIT (ROLLBACK when it throws). Other calls on this
   * driver wait until it is done, so nothing interleaves with the transaction.
   */
  transaction<T>(begin: string, fn: (connection: SqlDriver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Serialises async work: each `run` starts after the previous one settled. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
