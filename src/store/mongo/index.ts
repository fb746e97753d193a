/**
 * @module store/mongo
 * The MongoDB store: one collection per cloudmesh collection, one document per row, a unique index on
 * each collection's key (owner first for owned rows), counters by atomic `$inc`.
 *
 * Transactions: on a replica set or sharded cluster, `transaction`, `putMany` and `replace` run in one
 * multi-document transaction (snapshot reads, majority writes), exactly as on the SQL stores. A
 * standalone server has no multi-document transactions: there each single write is still atomic and
 * every row of a `putMany` / `replace` is checked before the first write, but a failure of the server
 * half way leaves the writes before it applied, and `transaction(fn)` runs `fn` without isolation or
 * rollback. `db info` names the mode (`location` ends in `(no transactions: standalone server)`). Use a
 * replica set (a single-node one is enough) for shared state.
 */
import { COLLECTIONS, COLLECTION_NAMES, type CollectionLayout } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import type {
  Collection, CollectionName, ListQuery, MigrationReport, ReplaceResult, ROWS, Store, StoreInfo, StoreScope, Where,
} from '../../core/store.ts';
import { migrateOnOpen } from '../open.ts';
import { ownerRule, type OwnerRule } from '../scope.ts';
import { connectMongo, describeMongoError, hasLabel, inMongoTransaction, type ClientSession, type MongoConnection } from './client.ts';
import { checkPage, fromDocument, keyFilter, parseMongoUrl, toDocument, toFilter, toSort, type Document, type MongoTarget } from './map.ts';
import { LATEST_MONGO_VERSION, MONGO_MIGRATIONS } from './migrations.ts';

export interface MongoStoreOptions {
  /** `mongodb://user:password@host:27017/database` or `mongodb+srv://…` (driver options in the query). */
  url: string;
  /** Bring the schema up to date on open (default true). */
  migrate?: boolean;
  /** Connections kept at most (default 2, as for the SQL servers). */
  poolSize?: number;
  /** Whose rows this store sees on a shared database (core/store.ts); default: owner ''. */
  scope?: StoreScope;
}

/** Open the store in the database the URL names and migrate it to the current schema. */
export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const target = parseMongoUrl(options.url);
  const poolSize = options.poolSize ?? 2;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new UserError(`the MongoDB pool size must be a whole number of at least 1, not ${poolSize}`);
  const connection = await connectMongo(target, { poolSize });
  return migrateOnOpen(new MongoStore({ target, connection, scope: options.scope }, undefined), options.migrate);
}

interface Shared {
  target: MongoTarget;
  connection: MongoConnection;
  scope: StoreScope | undefined;
}

class MongoStore implements Store {
  readonly backend = 'mongo';
  readonly location: string;
  readonly shared: Shared;
  /** The session of the transaction this store is bound to. */
  readonly session: ClientSession | undefined;
  /** Inside `transaction(fn)` on a server without transactions: nested calls just run. */
  readonly #joined: boolean;

  constructor(shared: Shared, session: ClientSession | undefined, joined = false) {
    this.shared = shared;
    this.session = session;
    this.#joined = joined;
    this.location = shared.connection.transactions ? shared.target.location : `${shared.target.location} (no transactions: standalone server)`;
  }

  collection<K extends CollectionName>(name: K): Collection<ROWS[K]> {
    return new MongoCollection<ROWS[K]>(this, name, COLLECTIONS[name] as unknown as CollectionLayout<ROWS[K]>, ownerRule(name, this.shared.scope));
  }

  /** `{ session }` for driver calls inside a transaction. */
  get options(): { session?: ClientSession } {
    return this.session ? { session: this.session } : {};
  }

  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.session || this.#joined) return fn(this);
    if (!this.shared.connection.transactions) return fn(new MongoStore(this.shared, undefined, true));
    // Only starting and committing are described as database errors; the caller's own failure comes back as it was.
    let failure: { error: unknown } | undefined;
    return this.guard('run a transaction', () =>
      inMongoTransaction(this.shared.connection, async (session) => {
        failure = undefined;
        try {
          return await fn(new MongoStore(this.shared, session));
        } catch (error) {
          failure = { error };
          throw error;
        }
      }),
    ).catch((error) => {
      const thrown = failure ? failure.error : error;
      throw hasLabel(thrown, 'TransientTransactionError') ? describeMongoError(thrown, this.shared.target, 'run a transaction') : thrown;
    });
  }

  async nextCounter(name: string): Promise<number> {
    // One atomic $inc. Two processes creating the same counter at once can collide on its unique index;
    // the server retries such an upsert itself, and the loop covers servers that do not.
    for (let attempt = 1; ; attempt++) {
      try {
        const doc = await this.shared.connection.db.collection('counters').findOneAndUpdate(
          { name },
          { $inc: { value: 1 } },
          { upsert: true, returnDocument: 'after', ...this.options },
        );
        return Number((doc as Document | null)?.value);
      } catch (error) {
        if (attempt < 3 && !this.session && (error as { code?: unknown })?.code === 11000) continue;
        throw describeMongoError(error, this.shared.target, 'increment a counter');
      }
    }
  }

  async migrate(): Promise<MigrationReport> {
    const from = await this.schemaVersion();
    if (from > LATEST_MONGO_VERSION) {
      throw new UserError(
        `${this.shared.target.location} has schema version ${from}, newer than this cloudmesh understands (${LATEST_MONGO_VERSION}); nothing was changed`,
        { hint: 'upgrade cloudmesh to use this database' },
      );
    }
    for (const migration of MONGO_MIGRATIONS.filter((m) => m.version > from)) {
      await this.guard('migrate the schema', async () => {
        await migration.up(this.shared.connection.db, this.shared.scope);
        // Racing processes may both apply one; every step is idempotent and the first record wins.
        await this.shared.connection.db.collection<{ _id: number }>('cm_schema')
          .updateOne({ _id: migration.version }, { $setOnInsert: { name: migration.name, applied_at: new Date().toISOString() } }, { upsert: true });
      });
    }
    return { from, to: Math.max(from, LATEST_MONGO_VERSION) };
  }

  async schemaVersion(): Promise<number> {
    const [top] = await this.guard('read the schema version', () =>
      this.shared.connection.db.collection<{ _id: number }>('cm_schema').find({}, { sort: { _id: -1 }, limit: 1, ...this.options }).toArray(),
    );
    return Number(top?._id ?? 0);
  }

  async info(): Promise<StoreInfo> {
    const counts = {} as Record<CollectionName, number>;
    for (const name of COLLECTION_NAMES) counts[name] = await this.collection(name).count();
    return { backend: this.backend, location: this.location, schemaVersion: await this.schemaVersion(), latestSchemaVersion: LATEST_MONGO_VERSION, counts };
  }

  async close(): Promise<void> {
    if (this.session || this.#joined) return;
    await this.shared.connection.close();
  }

  async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      // Inside a transaction, a write conflict goes up as it is: inMongoTransaction runs the transaction again.
      if (this.session && hasLabel(error, 'TransientTransactionError')) throw error;
      throw describeMongoError(error, this.shared.target, operation);
    }
  }
}

class MongoCollection<R> implements Collection<R> {
  readonly #store: MongoStore;
  readonly #name: CollectionName;
  readonly #layout: CollectionLayout<R>;
  readonly #owner: OwnerRule | undefined;

  constructor(store: MongoStore, name: CollectionName, layout: CollectionLayout<R>, owner: OwnerRule | undefined) {
    this.#store = store;
    this.#name = name;
    this.#layout = layout;
    this.#owner = owner;
  }

  get #docs() {
    return this.#store.shared.connection.db.collection(this.#name);
  }

  async get(key: Partial<R>): Promise<R | undefined> {
    const where = {} as Where<R>;
    for (const column of this.#layout.key) {
      if (key[column] === undefined) throw new Error(`get on ${this.#name} needs key column ${column}`);
      (where as Record<string, unknown>)[column] = key[column];
    }
    return (await this.list({ where, limit: 1 }))[0];
  }

  async put(row: R): Promise<void> {
    const doc = toDocument(this.#layout, row, this.#owner);
    await this.#store.guard(`write ${this.#name}`, () =>
      this.#docs.replaceOne(keyFilter(this.#layout, row, this.#owner), doc, { upsert: true, ...this.#store.options }),
    );
  }

  async putMany(rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return;
    // Every document is built before the first write, so a row that cannot be stored writes nothing.
    const operations = rows.map((row) => ({
      replaceOne: { filter: keyFilter(this.#layout, row, this.#owner), replacement: toDocument(this.#layout, row, this.#owner), upsert: true },
    }));
    await this.#store.transaction(async (tx) => {
      const bound = tx as MongoStore;
      await bound.guard(`write ${this.#name}`, () => this.#docs.bulkWrite(operations, { ordered: true, ...bound.options }));
    });
  }

  async delete(where: Where<R>): Promise<number> {
    if (Object.values(where).every((value) => value === undefined)) throw new Error(`refusing to delete every row of ${this.#name}`);
    const result = await this.#store.guard(`delete from ${this.#name}`, () =>
      this.#docs.deleteMany(toFilter(this.#layout, where, this.#owner), this.#store.options),
    );
    return result.deletedCount;
  }

  async list(query: ListQuery<R> = {}): Promise<R[]> {
    const limit = checkPage(query.limit);
    const skip = checkPage(query.offset);
    // MongoDB reads limit 0 as "no limit".
    if (limit === 0) return [];
    const sort = toSort(this.#layout, query.orderBy);
    // The key breaks ties, so pages are disjoint whatever the order.
    for (const column of this.#layout.key) if (!sort.some(([c]) => c === column)) sort.push([column, 1]);
    const docs = await this.#store.guard(`read ${this.#name}`, () =>
      this.#docs
        .find(toFilter(this.#layout, query.where, this.#owner), { sort, projection: { _id: 0 }, ...(limit !== undefined ? { limit } : {}), ...(skip ? { skip } : {}), ...this.#store.options })
        .toArray(),
    );
    return docs.map((doc) => fromDocument(this.#layout, doc));
  }

  async count(where: Where<R> = {}): Promise<number> {
    return this.#store.guard(`count ${this.#name}`, () => this.#docs.countDocuments(toFilter(this.#layout, where, this.#owner), this.#store.options));
  }

  async replace(scope: Where<R>, rows: readonly R[]): Promise<ReplaceResult> {
    const keyOf = (row: R) => JSON.stringify(this.#layout.key.map((c) => row[c]));
    // Built first, like putMany: a bad row fails before anything changes.
    for (const row of rows) toDocument(this.#layout, row, this.#owner);
    return this.#store.transaction(async (tx) => {
      const collection = tx.collection(this.#name) as unknown as Collection<R>;
      const existing = await collection.list({ where: scope });
      const incoming = new Set(rows.map(keyOf));
      const before = new Set(existing.map(keyOf));
      if (rows.length > 0) await collection.putMany(rows);
      let removed = 0;
      for (const row of existing) {
        if (incoming.has(keyOf(row))) continue;
        removed += await collection.delete(Object.fromEntries(this.#layout.key.map((c) => [c, row[c]])) as Where<R>);
      }
      const added = rows.filter((row) => !before.has(keyOf(row))).length;
      return { added, updated: rows.length - added, removed };
    });
  }
}
