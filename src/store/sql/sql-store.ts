/**
 * @module store/sql/sql-store
 * One `Store` implementation for every SQL backend, on Kysely. A backend supplies a Kysely instance and a
 * few hooks (how to begin a write transaction, upsert syntax, backup); everything else is shared, so the
 * SQLite, PostgreSQL and MySQL stores behave the same by construction.
 */
import { sql, type Kysely } from 'kysely';
import { COLLECTIONS, COLLECTION_NAMES, type CollectionLayout } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import type {
  Collection, CollectionName, ListQuery, MigrationReport, ReplaceResult, ROWS, Store, StoreInfo, Where,
} from '../../core/store.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type SqlTypes } from './migrations.ts';

/** What differs between SQL backends. */
export interface SqlBackend {
  backend: string;
  /** Safe to print (no password). */
  location: string;
  types: SqlTypes;
  /** Statement that opens a transaction which may write (SQLite needs IMMEDIATE to avoid upgrade deadlocks). */
  beginWrite: string;
  /** MySQL spells upsert differently from SQLite/PostgreSQL. */
  upsertStyle: 'on-conflict' | 'on-duplicate-key';
  /** Copy the database before a migration; returns where the copy went. */
  backup?(fromVersion: number): Promise<string | undefined>;
  /** Turn a driver error into a clear one (e.g. "not a SQLite database"). */
  describeError(error: unknown, operation: string): Error;
  destroy(): Promise<void>;
}

const VERSION_TABLE = 'cm_schema';

/** Create a store over `db`. Call `migrate()` (or `open…Store`, which does) before use. */
export function createSqlStore(db: Kysely<any>, backend: SqlBackend): Store {
  return new SqlStore(db, backend, false);
}

class SqlStore implements Store {
  readonly backend: string;
  readonly location: string;
  readonly #db: Kysely<any>;
  readonly #impl: SqlBackend;
  readonly #inTransaction: boolean;

  constructor(db: Kysely<any>, impl: SqlBackend, inTransaction: boolean) {
    this.#db = db;
    this.#impl = impl;
    this.#inTransaction = inTransaction;
    this.backend = impl.backend;
    this.location = impl.location;
  }

  collection<K extends CollectionName>(name: K): Collection<ROWS[K]> {
    return new SqlCollection<ROWS[K]>(this, name, COLLECTIONS[name] as unknown as CollectionLayout<ROWS[K]>);
  }

  /** Internal: the Kysely handle and hooks, for collections of this store. */
  get db(): Kysely<any> {
    return this.#db;
  }
  get impl(): SqlBackend {
    return this.#impl;
  }

  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    const outcome = await this.guard('transaction', () =>
      this.#db.connection().execute(async (conn) => {
        await sql.raw(this.#impl.beginWrite).execute(conn);
        try {
          // The caller's own failure comes back as a value, so `guard` does not pass it off as a database error.
          let settled: { ok: true; value: T } | { ok: false; error: unknown };
          try {
            settled = { ok: true, value: await fn(new SqlStore(conn, this.#impl, true)) };
          } catch (error) {
            settled = { ok: false, error };
          }
          await sql.raw(settled.ok ? 'COMMIT' : 'ROLLBACK').execute(conn);
          return settled;
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    );
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async nextCounter(name: string): Promise<number> {
    return this.transaction(async (tx) => {
      const counters = tx.collection('counters');
      const value = ((await counters.get({ name }))?.value ?? 0) + 1;
      await counters.put({ name, value });
      return value;
    });
  }

  /** The applied schema version, 0 for an empty database. */
  async schemaVersion(db: Kysely<any> = this.#db): Promise<number> {
    try {
      const row = await db.selectFrom(VERSION_TABLE).select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
      return Number(row?.v ?? 0);
    } catch (error) {
      if (/no such table|does not exist|doesn't exist/i.test(String((error as Error)?.message))) return 0;
      throw this.#impl.describeError(error, 'read the schema version');
    }
  }

  async migrate(): Promise<MigrationReport> {
    const from = await this.schemaVersion();
    if (from > LATEST_SCHEMA_VERSION) {
      throw new UserError(
        `${this.location} has schema version ${from}, newer than this cloudmesh understands (${LATEST_SCHEMA_VERSION}); nothing was changed`,
        { hint: 'upgrade cloudmesh to use this database' },
      );
    }
    if (from === LATEST_SCHEMA_VERSION) return { from, to: from };
    const backup = from > 0 && this.#impl.backup ? await this.#impl.backup(from) : undefined;
    const to = await this.guard('migrate', () =>
      this.#db.connection().execute(async (conn) => {
        await sql.raw(this.#impl.beginWrite).execute(conn);
        try {
          await conn.schema.createTable(VERSION_TABLE).ifNotExists()
            .addColumn('version', 'integer', (c) => c.primaryKey())
            .addColumn('name', this.#impl.types.key, (c) => c.notNull())
            .addColumn('applied_at', this.#impl.types.key, (c) => c.notNull())
            .execute();
          // Another process may have migrated while we waited for the write lock.
          const current = await this.schemaVersion(conn);
          for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
            await migration.up(conn, this.#impl.types);
            await conn.insertInto(VERSION_TABLE)
              .values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })
              .execute();
          }
          await sql.raw('COMMIT').execute(conn);
          return LATEST_SCHEMA_VERSION;
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    );
    return { from, to, ...(backup ? { backup } : {}) };
  }

  async info(): Promise<StoreInfo> {
    const counts = {} as Record<CollectionName, number>;
    for (const name of COLLECTION_NAMES) counts[name] = await this.collection(name).count();
    return {
      backend: this.backend,
      location: this.location,
      schemaVersion: await this.schemaVersion(),
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      counts,
    };
  }

  async close(): Promise<void> {
    await this.#impl.destroy();
  }

  /** Run a database call, turning driver errors into errors that say what we were doing. */
  async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw this.#impl.describeError(error, operation);
    }
  }
}

class SqlCollection<R> implements Collection<R> {
  readonly #store: SqlStore;
  readonly #table: string;
  readonly #layout: CollectionLayout<R>;

  constructor(store: SqlStore, table: string, layout: CollectionLayout<R>) {
    this.#store = store;
    this.#table = table;
    this.#layout = layout;
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
    await this.#store.guard(`write ${this.#table}`, () => this.#upsert(this.#store.db, row));
  }

  async putMany(rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#store.transaction((tx) =>
      this.#store.guard(`write ${this.#table}`, async () => {
        const db = (tx as SqlStore).db;
        for (const row of rows) await this.#upsert(db, row);
      }),
    );
  }

  async delete(where: Where<R>): Promise<number> {
    // `{ name: undefined }` filters on nothing too (#filter skips undefined), so it must not empty the table.
    if (Object.values(where).every((value) => value === undefined)) throw new Error(`refusing to delete every row of ${this.#table}`);
    return this.#store.guard(`delete from ${this.#table}`, async () => {
      const result = await this.#filter(this.#store.db.deleteFrom(this.#table), where).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  async list(query: ListQuery<R> = {}): Promise<R[]> {
    return this.#store.guard(`read ${this.#table}`, async () => {
      let q = this.#filter(this.#store.db.selectFrom(this.#table).selectAll(), query.where ?? {});
      const order = query.orderBy ?? this.#layout.key.map((column) => ({ column, direction: 'asc' as const }));
      for (const { column, direction } of order) q = q.orderBy(this.#checked(column), direction ?? 'asc');
      if (query.limit !== undefined) q = q.limit(query.limit);
      if (query.offset !== undefined) {
        // SQLite accepts OFFSET only after a LIMIT; -1 means none there.
        if (query.limit === undefined && this.#store.impl.backend === 'sqlite') q = q.limit(-1);
        q = q.offset(query.offset);
      }
      const rows = (await q.execute()) as Record<string, unknown>[];
      return rows.map((row) => this.#fromSql(row));
    });
  }

  async count(where: Where<R> = {}): Promise<number> {
    return this.#store.guard(`count ${this.#table}`, async () => {
      const q = this.#filter(this.#store.db.selectFrom(this.#table).select((eb) => eb.fn.countAll().as('n')), where);
      const row = (await q.executeTakeFirst()) as { n: number | string | bigint } | undefined;
      return Number(row?.n ?? 0);
    });
  }

  async replace(scope: Where<R>, rows: readonly R[]): Promise<ReplaceResult> {
    return this.#store.transaction(async (tx) => {
      const collection = tx.collection(this.#table as CollectionName) as unknown as Collection<R>;
      const existing = await collection.list({ where: scope });
      const keyOf = (row: R) => JSON.stringify(this.#layout.key.map((c) => row[c]));
      const incoming = new Set(rows.map(keyOf));
      const before = new Set(existing.map(keyOf));
      const db = (tx as SqlStore).db;
      await this.#store.guard(`write ${this.#table}`, async () => {
        for (const row of rows) await this.#upsert(db, row);
      });
      let removed = 0;
      for (const row of existing) {
        if (incoming.has(keyOf(row))) continue;
        const key = Object.fromEntries(this.#layout.key.map((c) => [c, row[c]])) as Where<R>;
        removed += await collection.delete(key);
      }
      const added = rows.filter((row) => !before.has(keyOf(row))).length;
      return { added, updated: rows.length - added, removed };
    });
  }

  async #upsert(db: Kysely<any>, row: R): Promise<void> {
    const values = this.#toSql(row);
    const updates = Object.fromEntries(
      Object.entries(values).filter(([column]) => !this.#layout.key.includes(column as keyof R & string)),
    );
    const insert = db.insertInto(this.#table).values(values);
    if (Object.keys(updates).length === 0) {
      await (this.#store.impl.upsertStyle === 'on-duplicate-key'
        ? insert.onDuplicateKeyUpdate(values)
        : insert.onConflict((oc) => oc.columns([...this.#layout.key] as string[]).doNothing())).execute();
      return;
    }
    await (this.#store.impl.upsertStyle === 'on-duplicate-key'
      ? insert.onDuplicateKeyUpdate(updates)
      : insert.onConflict((oc) => oc.columns([...this.#layout.key] as string[]).doUpdateSet(updates))).execute();
  }

  #filter<Q extends { where: (...args: any[]) => Q }>(query: Q, where: Where<R>): Q {
    let q = query;
    for (const [column, value] of Object.entries(where)) {
      if (value === undefined) continue;
      const checked = this.#checked(column);
      if (Array.isArray(value)) {
        q = value.length === 0 ? q.where(sql.lit(false) as any) : q.where(checked, 'in', value.map((v) => this.#cell(column, v)));
      } else if (value === null) {
        q = q.where(checked, 'is', null);
      } else {
        q = q.where(checked, '=', this.#cell(column, value));
      }
    }
    return q;
  }

  /** Column names come from code, but a filter built from user input must still name a real column. */
  #checked(column: string): string {
    if (!this.#layout.columns.includes(column as keyof R & string)) throw new Error(`${this.#table} has no column ${column}`);
    return column;
  }

  #cell(column: string, value: unknown): unknown {
    return this.#layout.json.includes(column as keyof R & string) ? JSON.stringify(value ?? {}) : value;
  }

  #toSql(row: R): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const column of this.#layout.columns) {
      const value = row[column];
      out[column] = this.#layout.json.includes(column) ? JSON.stringify(value ?? {}) : (value ?? null);
    }
    return out;
  }

  #fromSql(row: Record<string, unknown>): R {
    const out: Record<string, unknown> = {};
    for (const column of this.#layout.columns) {
      const value = row[column];
      out[column] = this.#layout.json.includes(column) && typeof value === 'string' ? JSON.parse(value) : (value ?? null);
    }
    return out as R;
  }
}
