/**
 * @module store/mongo/migrations
 * Versioned schema changes of the MongoDB store. Documents need no columns, so a version here is about
 * indexes and data; the numbers follow the SQL stores' (store/sql/migrations.ts) because an export's
 * schema version means the same rows on every backend (map.test.ts checks they stay in step). The
 * applied versions are documents `{ _id: version, name, applied_at }` in `cm_schema`.
 */
import { COLLECTIONS, COLLECTION_NAMES, type CollectionLayout } from '../../core/collections.ts';
import type { StoreScope } from '../../core/store.ts';
import { isOwned, NO_OWNER, OWNER_COLUMN } from '../scope.ts';
import type { Db } from './client.ts';
import { keyIndex } from './map.ts';

export interface MongoMigration {
  version: number;
  name: string;
  up(db: Db, scope: StoreScope | undefined): Promise<void>;
}

/** The unique index on a collection's key. */
const KEY_INDEX = 'cm_key';

export const MONGO_MIGRATIONS: readonly MongoMigration[] = [
  {
    version: 1,
    name: 'initial collections',
    async up(db) {
      for (const name of COLLECTION_NAMES) {
        await db.collection(name).createIndex(keyIndex(COLLECTIONS[name] as CollectionLayout<unknown>, false), { unique: true, name: KEY_INDEX });
      }
      await db.collection('jobs').createIndex({ cluster: 1, state: 1 }, { name: 'jobs_state' });
      await db.collection('audit').createIndex({ time: 1 }, { name: 'audit_time' });
    },
  },
  {
    version: 2,
    name: 'owner of every user row (shared databases)',
    async up(db, scope) {
      const user = scope?.user ?? NO_OWNER;
      for (const name of COLLECTION_NAMES.filter(isOwned)) {
        const collection = db.collection(name);
        // Rows from before owners existed belong to whoever migrates (see store/sql/migration-owner.ts).
        if (name === 'jobs' && scope && scope.machineClusters.length > 0) {
          await collection.updateMany({ [OWNER_COLUMN]: { $exists: false }, cluster: { $in: [...scope.machineClusters] } }, { $set: { [OWNER_COLUMN]: scope.machine } });
        }
        await collection.updateMany({ [OWNER_COLUMN]: { $exists: false } }, { $set: { [OWNER_COLUMN]: user } });
        // A process that raced us may have replaced the index already.
        await collection.dropIndex(KEY_INDEX).catch((error: { codeName?: string }) => {
          if (error?.codeName !== 'IndexNotFound') throw error;
        });
        await collection.createIndex(keyIndex(COLLECTIONS[name] as CollectionLayout<unknown>, true), { unique: true, name: 'cm_owner_key' });
      }
      await db.collection('jobs').createIndex({ [OWNER_COLUMN]: 1, cluster: 1, state: 1 }, { name: 'jobs_owner_state' });
    },
  },
];

export const LATEST_MONGO_VERSION = MONGO_MIGRATIONS[MONGO_MIGRATIONS.length - 1]!.version;
