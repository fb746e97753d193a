/**
 * @module store/sql/sql-store
 * One `Store` implementation for every SQL backend. A backend supplies a driver (statements and
 * transactions on one connection) and a few hooks; statements come from the collection layout
 * (`statements.ts`), so the SQLite, PostgreSQL and MySQL stores behave the same by construction. Kysely is
 * used for the portable schema changes of migrations only, and loads only when a migration runs.
 */
import { COLLECTIONS, COLLECTION_NAMES, type CollectionLayout } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import type {
  Collection, CollectionName, ListQuery, MigrationReport, ReplaceResult, ROWS, Store, StoreInfo, StoreScope, Where,
} from '../../core/store.ts';
import { ownerRule } from '../scope.ts';
import type { SqlDriver } from './driver.ts';
import { LATEST_SCHEMA_VERSION, type SqlTypes } from './migrations.ts';
import { TableStatements, counterIncrement } from './statements.ts';

/** What differs between SQL backends. */
export interface SqlBackend {
  backend: string;
  /** Safe to print (no password). */
  location: string;
  types: SqlTypes;
  driver: SqlDriver;
  /** Statement that opens a transaction which may write (SQLite needs IMMEDIATE to avoid upgrade deadlocks). */
  beginWrite: string;
  /** A Kysely instance running on `connection`, for the schema changes of migrations. */
  kysely(connection: SqlDriver): Promise<import('kysely').Kysely<any>>;
  /** Copy the database before a migration; returns where the copy went. */
  backup?(fromVersion: number): Promise<string | undefined>;
  /** Turn a driver error into a clear one (e.g. "not a SQLite database"). */
  describeError(error: unknown, operation: string): Error;
  /** Whose rows this store sees (core/store.ts); none: every owned row is owner ''. */
  scope?: StoreScope;
}

/** Create a store over a backend. Call `migrate()` (or `open…Store`, which does) before use. */
export function createSqlStore(backend: SqlBackend): Store {
  return new SqlStore(backend, backend.driver, false);
}

class SqlStore implements Store {
  readonly backend: string;
  readonly location: string;
  readonly impl: SqlBackend;
  /** The driver, or the connection of the transaction this store is bound to. */
  readonly driver: SqlDriver;
  readonly #inTransaction: boolean;
  readonly #statements = new Map<string, TableStatements<unknown>>();

  constructor(impl: SqlBackend, driver: SqlDriver, inTransaction: boolean) {
    this.impl = impl;
    this.driver = driver;
    this.#inTransaction = inTransaction;
    this.backend = impl.backend;
    this.location = impl.location;
  }

  collection<K extends CollectionName>(name: K): Collection<ROWS[K]> {
    return new SqlCollection<ROWS[K]>(this, name, COLLECTIONS[name] as unknown as CollectionLayout<ROWS[K]>);
  }

  statements<R>(table: string, layout: CollectionLayout<R>): TableStatements<R> {
    let statements = this.#statements.get(table);
    if (!statements) this.#statements.set(table, (statements = new TableStatements(table, layout, this.driver.dialect, ownerRule(table as CollectionName, this.impl.scope)) as TableStatements<unknown>));
    return statements as TableStatements<R>;
  }

  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    // The caller's own failure comes back unchanged; only BEGIN/COMMIT failures are described as database errors.
    let failure: { error: unknown } | undefined;
    const value = await this.guard('run a transaction', () =>
      this.driver.transaction(this.impl.beginWrite, async (connection) => {
        try {
          return await fn(new SqlStore(this.impl, connection, true));
        } catch (error) {
          failure = { error };
          throw error;
        }
      }),
    ).catch((error) => {
      throw failure ? failure.error : error;
    });
    return value;
  }

  async nextCounter(name: string): Promise<number> {
    return this.transaction(async (tx) => {
      const atomic = counterIncrement(this.driver.dialect, name);
      if (atomic) {
        // The transaction's own connection: the read must see this increment (MySQL's LAST_INSERT_ID is per connection).
        const { driver } = tx as SqlStore;
        const { increment, read } = atomic;
        const [row] = await this.guard('increment a counter', async () => {
          if (!read) return driver.query(increment.sql, increment.params);
          await driver.run(increment.sql, increment.params);
          return driver.query(read);
        });
        return Number(row?.value);
      }
      const counters = tx.collection('counters');
      const value = ((await counters.get({ name }))?.value ?? 0) + 1;
      await counters.put({ name, value });
      return value;
    });
  }

  async migrate(): Promise<MigrationReport> {
    const from = await this.guard('read the schema version', () => readSchemaVersion(this.driver));
    if (from > LATEST_SCHEMA_VERSION) {
      throw new UserError(
        `${this.location} has schema version ${from}, newer than this cloudmesh understands (${LATEST_SCHEMA_VERSION}); nothing was changed`,
        { hint: 'upgrade cloudmesh to use this database' },
      );
    }
    if (from === LATEST_SCHEMA_VERSION) return { from, to: from };
    const backup = from > 0 && this.impl.backup ? await this.impl.backup(from) : undefined;
    const { applyMigrations } = await import('./migrate.ts');
    await this.guard('migrate the schema', () =>
      this.driver.transaction(
        this.impl.beginWrite,
        async (connection) => applyMigrations(connection, await this.impl.kysely(connection), this.impl.types, this.impl.scope),
        { lock: 'cloudmesh-migrate' },
      ),
    );
    return { from, to: LATEST_SCHEMA_VERSION, ...(backup ? { backup } : {}) };
  }

  async info(): Promise<StoreInfo> {
    const counts = {} as Record<CollectionName, number>;
    for (const name of COLLECTION_NAMES) counts[name] = await this.collection(name).count();
    return {
      backend: this.backend,
      location: this.location,
      schemaVersion: await this.guard('read the schema version', () => readSchemaVersion(this.driver)),
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      counts,
    };
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Run a database call, turning driver errors into errors that say what we were doing. */
  async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw this.impl.describeError(error, operation);
    }
  }
}

/** The applied schema version, 0 for an empty database. */
export async function readSchemaVersion(driver: SqlDriver): Promise<number> {
  try {
    const [row] = await driver.query('SELECT MAX(version) AS v FROM cm_schema');
    return Number(row?.v ?? 0);
  } catch (error) {
    // Only a missing cm_schema means "empty": PostgreSQL's 'database "x" does not exist' must surface.
    const message = String((error as Error)?.message);
    if (message.includes('cm_schema') && /no such table|does not exist|doesn't exist/i.test(message)) return 0;
    throw error;
  }
}

class SqlCollection<R> implements Collection<R> {
  readonly #store: SqlStore;
  readonly #table: string;
  readonly #layout: CollectionLayout<R>;
  readonly #sql: TableStatements<R>;
  /** Per column of the layout, whether it holds JSON: looked up once, not per cell of every row read. */
  readonly #isJson: readonly boolean[];

  constructor(store: SqlStore, table: string, layout: CollectionLayout<R>) {
    this.#store = store;
    this.#table = table;
    this.#layout = layout;
    this.#sql = store.statements(table, layout);
    this.#isJson = layout.columns.map((column) => layout.json.includes(column));
  }

  async get(key: Partial<R>): Promise<R | undefined> {
    const where = {} as Where<R>;
    for (const column of this.#layout.key) {
      if (key[column] === undefined) throw new Error(`get on ${this.#table} needs key column ${column}`);
      (where as Record<string, unknown>)[column] = key[column];
    }
    const rows = await this.list({ where, limit: 1 });
    return rows[0];
  }

  async put(row: R): Promise<void> {
    const { sql, params } = this.#sql.upsert(this.#toSql(row));
    await this.#store.guard(`write ${this.#table}`, () => this.#store.driver.run(sql, params));
  }

  async putMany(rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#store.transaction(async (tx) => {
      const collection = tx.collection(this.#table as CollectionName) as unknown as Collection<R>;
      for (const row of rows) await collection.put(row);
    });
  }

  async delete(where: Where<R>): Promise<number> {
    // `{ name: undefined }` filters on nothing too (undefined values are skipped), so it must not empty the table.
    if (Object.values(where).every((value) => value === undefined)) throw new Error(`refusing to delete every row of ${this.#table}`);
    const { sql, params } = this.#sql.delete(where);
    return this.#store.guard(`delete from ${this.#table}`, async () => (await this.#store.driver.run(sql, params)).changes);
  }

  async list(query: ListQuery<R> = {}): Promise<R[]> {
    const { sql, params } = this.#sql.select(query);
    const rows = await this.#store.guard(`read ${this.#table}`, () => this.#store.driver.query(sql, params));
    return rows.map((row) => this.#fromSql(row));
  }

  async count(where: Where<R> = {}): Promise<number> {
    const { sql, params } = this.#sql.count(where);
    const [row] = await this.#store.guard(`count ${this.#table}`, () => this.#store.driver.query(sql, params));
    return Number(row?.n ?? 0);
  }

  async replace(scope: Where<R>, rows: readonly R[]): Promise<ReplaceResult> {
    return this.#store.transaction(async (tx) => {
      const collection = tx.collection(this.#table as CollectionName) as unknown as Collection<R>;
      const existing = await collection.list({ where: scope });
      const keyOf = (row: R) => JSON.stringify(this.#layout.key.map((c) => row[c]));
      const incoming = new Set(rows.map(keyOf));
      const before = new Set(existing.map(keyOf));
      for (const row of rows) await collection.put(row);
      let removed = 0;
      for (const row of existing) {
        if (incoming.has(keyOf(row))) continue;
        removed += await collection.delete(Object.fromEntries(this.#layout.key.map((c) => [c, row[c]])) as Where<R>);
      }
      const added = rows.filter((row) => !before.has(keyOf(row))).length;
      return { added, updated: rows.length - added, removed };
    });
  }

  #toSql(row: R): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const columns = this.#layout.columns;
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]!];
      out[columns[i] as string] = this.#isJson[i] ? JSON.stringify(value ?? {}) : (value ?? null);
    }
    return out;
  }

  /**
   * A row as read: JSON columns parsed, absent values null. Done in place: every SELECT names exactly the
   * layout's columns, and the driver's row object is new and ours, so a copy would only be garbage.
   */
  #fromSql(row: Record<string, unknown>): R {
    const columns = this.#layout.columns;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as string;
      const value = row[column];
      if (this.#isJson[i] && typeof value === 'string') row[column] = JSON.parse(value);
      else if (value === undefined) row[column] = null;
    }
    return row as R;
  }
}
