/**
 * @module store/sql/driver
 * The little a SQL store needs from a database driver: run a statement with parameters, and run a function
 * on one connection inside a transaction. The SQLite driver is node:sqlite (better-sqlite3 on older Node,
 * see sqlite/client.ts); PostgreSQL and MySQL drivers implement the same shape over a pool.
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
   * Run `fn` on one connection between `begin` and COMMIT (ROLLBACK when it throws). Nothing interleaves
   * with the transaction: SQLite's one connection makes other calls wait; a pooled driver runs them on
   * other connections, isolated by the server.
   */
  transaction<T>(begin: string, fn: (connection: SqlDriver) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** Extras of one transaction. */
export interface TransactionOptions {
  /**
   * A lock, named across every process using this database, held from before the transaction reads
   * anything until after it ends: how racing processes migrate once. On a server, concurrent DDL fails
   * rather than waits (PostgreSQL's CREATE TABLE IF NOT EXISTS can still collide; MySQL's DDL commits at
   * once), so migrations take one (PostgreSQL `pg_advisory_xact_lock`, MySQL `GET_LOCK`). SQLite ignores it:
   * BEGIN IMMEDIATE already admits one writer at a time.
   */
  lock?: string;
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
