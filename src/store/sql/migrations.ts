/**
 * @module store/sql/migrations
 * Versioned schema changes for every SQL store (SQLite, PostgreSQL, MySQL), written once with Kysely's
 * schema builder. A migration, once released, never changes: a new need gets a new version.
 */
import type { ColumnDataType, Expression, Kysely } from 'kysely';
import type { StoreScope } from '../../core/store.ts';

export interface Migration {
  version: number;
  name: string;
  /** `scope`: the store's, for migrations that must say whose the existing rows are. */
  up(db: Kysely<any>, types: ColumnTypes, scope?: StoreScope): Promise<void>;
}

/**
 * Column types that differ between dialects, as SQL text: MySQL cannot key a TEXT column, and a server
 * backend adds a collation so that keys compare and sort by code point as SQLite's do (PostgreSQL
 * `text collate "C"`, MySQL `varchar(255) … collate utf8mb4_nopad_bin`). Plain text, so a backend can
 * declare its types without loading Kysely; `migrate.ts` turns them into `ColumnTypes`.
 */
export interface SqlTypes {
  /** A short string that may be part of a key or an index. */
  key: string;
  /** Long text: JSON documents, public keys, audit arguments. */
  text: string;
  /**
   * The owner column and a short key part (groups' member_kind), where `key` is too wide: MySQL limits a
   * key to 3072 bytes, and owner + groups' three key columns at varchar(255) utf8mb4 pass it. Default: `key`.
   */
  owner?: string;
  shortKey?: string;
}

/** `SqlTypes` as Kysely column types: what a migration's `up` receives. */
export interface ColumnTypes {
  key: ColumnDataType | Expression<unknown>;
  text: ColumnDataType | Expression<unknown>;
  owner?: ColumnDataType | Expression<unknown>;
  shortKey?: ColumnDataType | Expression<unknown>;
}

/** Columns every cached row carries. */
function cached<T extends { addColumn: (...args: any[]) => T }>(table: T, types: ColumnTypes): T {
  return table
    .addColumn('source', types.key, (c: any) => c.notNull())
    .addColumn('seen_at', types.key, (c: any) => c.notNull());
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial collections',
    async up(db, t) {
      const k = t.key;
      await cached(db.schema.createTable('defaults').addColumn('scope', k, (c) => c.notNull()).addColumn('key', k, (c) => c.notNull())
        .addColumn('value', t.text, (c) => c.notNull()).addPrimaryKeyConstraint('defaults_pk', ['scope', 'key']), t).execute();
      await cached(db.schema.createTable('vars').addColumn('name', k, (c) => c.primaryKey()).addColumn('value', t.text, (c) => c.notNull()), t).execute();
      await cached(db.schema.createTable('vms').addColumn('cloud', k, (c) => c.notNull()).addColumn('name', k, (c) => c.notNull())
        .addColumn('id', k, (c) => c.notNull()).addColumn('status', k, (c) => c.notNull())
        .addColumn('image', k).addColumn('flavor', k).addColumn('key', k).addColumn('group_name', k)
        .addColumn('public_ip', k).addColumn('private_ip', k).addColumn('created_at', k).addColumn('data', t.text, (c) => c.notNull())
        .addPrimaryKeyConstraint('vms_pk', ['cloud', 'name']), t).execute();
      await cached(db.schema.createTable('images').addColumn('cloud', k, (c) => c.notNull()).addColumn('id', k, (c) => c.notNull())
        .addColumn('name', k, (c) => c.notNull()).addColumn('status', k).addColumn('data', t.text, (c) => c.notNull())
        .addPrimaryKeyConstraint('images_pk', ['cloud', 'id']), t).execute();
      await cached(db.schema.createTable('flavors').addColumn('cloud', k, (c) => c.notNull()).addColumn('id', k, (c) => c.notNull())
        .addColumn('name', k, (c) => c.notNull()).addColumn('vcpus', 'integer').addColumn('ram_mb', 'integer').addColumn('disk_gb', 'integer')
        .addColumn('data', t.text, (c) => c.notNull()).addPrimaryKeyConstraint('flavors_pk', ['cloud', 'id']), t).execute();
      await cached(db.schema.createTable('keys').addColumn('cloud', k, (c) => c.notNull()).addColumn('name', k, (c) => c.notNull())
        .addColumn('fingerprint', k).addColumn('public_key', t.text).addPrimaryKeyConstraint('keys_pk', ['cloud', 'name']), t).execute();
      await cached(db.schema.createTable('secgroups').addColumn('cloud', k, (c) => c.notNull()).addColumn('name', k, (c) => c.notNull())
        .addColumn('rules', t.text, (c) => c.notNull()).addPrimaryKeyConstraint('secgroups_pk', ['cloud', 'name']), t).execute();
      await cached(db.schema.createTable('groups').addColumn('name', k, (c) => c.notNull()).addColumn('member_kind', k, (c) => c.notNull())
        .addColumn('member', k, (c) => c.notNull()).addPrimaryKeyConstraint('groups_pk', ['name', 'member_kind', 'member']), t).execute();
      await cached(db.schema.createTable('jobs').addColumn('cluster', k, (c) => c.notNull()).addColumn('id', k, (c) => c.notNull())
        .addColumn('name', k, (c) => c.notNull()).addColumn('state', k, (c) => c.notNull()).addColumn('exit_code', 'integer')
        .addColumn('submitted_at', k, (c) => c.notNull()).addColumn('started_at', k).addColumn('ended_at', k).addColumn('dir', t.text)
        .addColumn('reason', t.text).addColumn('spec', t.text, (c) => c.notNull()).addPrimaryKeyConstraint('jobs_pk', ['cluster', 'id']), t).execute();
      await db.schema.createIndex('jobs_state').on('jobs').columns(['cluster', 'state']).execute();
      await cached(db.schema.createTable('clusters').addColumn('name', k, (c) => c.primaryKey()).addColumn('kind', k, (c) => c.notNull())
        .addColumn('spec', t.text, (c) => c.notNull()), t).execute();
      await db.schema.createTable('audit').addColumn('id', k, (c) => c.primaryKey()).addColumn('time', k, (c) => c.notNull())
        .addColumn('user', k, (c) => c.notNull()).addColumn('face', k, (c) => c.notNull()).addColumn('command', k, (c) => c.notNull())
        .addColumn('args', t.text, (c) => c.notNull()).addColumn('result', t.text, (c) => c.notNull())
        .addColumn('exit_code', 'integer', (c) => c.notNull()).execute();
      await db.schema.createIndex('audit_time').on('audit').column('time').execute();
      await db.schema.createTable('counters').addColumn('name', k, (c) => c.primaryKey()).addColumn('value', 'integer', (c) => c.notNull()).execute();
    },
  },
  {
    version: 2,
    name: 'owner of every user row (shared databases)',
    async up(db, types, scope) {
      const { addOwners } = await import('./migration-owner.ts');
      await addOwners(db, types, scope);
    },
  },
];

/** The schema version this client writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
