/**
 * @module core/store
 * The `Store` port: what cloudmesh remembers between runs, shared by every face. One implementation per
 * backend (SQLite by default); all of them pass the same conformance suite. A store never holds a secret.
 */
import type { ROWS } from './collections.ts';

export type { ROWS } from './collections.ts';

/** Names of the collections every store provides. */
export type CollectionName = keyof ROWS;

/** Equality on a column, or membership when an array is given. */
export type Where<R> = { [C in keyof R]?: R[C] | readonly R[C][] };

/** Filter, order and page a listing. */
export interface ListQuery<R> {
  where?: Where<R>;
  orderBy?: { column: keyof R & string; direction?: 'asc' | 'desc' }[];
  limit?: number;
  offset?: number;
}

/** What `replace` changed: the unit of a cache refresh. */
export interface ReplaceResult {
  added: number;
  updated: number;
  removed: number;
}

/** One table (or document collection) of rows of type `R`. */
export interface Collection<R> {
  /** The row with this key, or undefined. `key` must hold every key column. */
  get(key: Partial<R>): Promise<R | undefined>;
  /** Insert or update (upsert) by key. */
  put(row: R): Promise<void>;
  /** Upsert many rows in one transaction. */
  putMany(rows: readonly R[]): Promise<void>;
  /** Delete rows matching `where` (an empty filter is refused); returns how many went. */
  delete(where: Where<R>): Promise<number>;
  /** Rows matching the query, in the given order (key order by default). */
  list(query?: ListQuery<R>): Promise<R[]>;
  /** How many rows match. */
  count(where?: Where<R>): Promise<number>;
  /**
   * Make the rows matching `scope` exactly `rows`, in one transaction: upsert these, delete the rest of
   * the scope. This is how a refresh keeps the cache from going stale (rows deleted elsewhere go away).
   */
  replace(scope: Where<R>, rows: readonly R[]): Promise<ReplaceResult>;
}

/** What `cm db info` shows. */
export interface StoreInfo {
  backend: string;
  location: string;
  schemaVersion: number;
  latestSchemaVersion: number;
  counts: Record<CollectionName, number>;
}

/** The result of bringing a store's schema up to date. */
export interface MigrationReport {
  from: number;
  to: number;
  /** Where the pre-migration copy was written, when there was anything to copy. */
  backup?: string;
}

/**
 * Whose rows a store shows and writes, so several users and machines can share one database server.
 * Every collection but `audit` and `counters` keeps a hidden owner per row (never part of the row types):
 * a store sees and writes only the rows of `user`, and jobs of `machineClusters` (the `local` scheduler,
 * whose job ids are numbered per home) belong to `machine` instead, so another machine never sees or
 * polls them. A store opened without a scope owns its rows as `''` (library use, tests, single user).
 */
export interface StoreScope {
  /** `profile.user` (else the login name): owner of every user row. */
  user: string;
  /** `user@host:home`: owner of the jobs of machine-local clusters. */
  machine: string;
  /** Names of the clusters whose jobs exist only on this machine and home. */
  machineClusters: readonly string[];
}

/** A backend that keeps cloudmesh's state. */
export interface Store {
  /** `sqlite`, `postgres`, … */
  readonly backend: string;
  /** A path or a URL with any password masked: safe to print. */
  readonly location: string;
  collection<K extends CollectionName>(name: K): Collection<ROWS[K]>;
  /** Run `fn` in one transaction; it sees a store bound to that transaction. Rolls back on throw. */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /** Atomically increment a named counter and return its new value (first call returns 1). */
  nextCounter(name: string): Promise<number>;
  /** Bring the schema to the latest version (a no-op when it is current). */
  migrate(): Promise<MigrationReport>;
  info(): Promise<StoreInfo>;
  close(): Promise<void>;
}
