/**
 * @module store/sql/migrate
 * Applies the pending migrations on a connection that already holds the write transaction. Loaded only
 * when the schema is behind, so Kysely (used for portable DDL) costs nothing on an up-to-date database.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreScope } from '../../core/store.ts';
import type { SqlDriver } from './driver.ts';
import { MIGRATIONS, type ColumnTypes, type SqlTypes } from './migrations.ts';
import { readSchemaVersion } from './sql-store.ts';

export async function applyMigrations(connection: SqlDriver, db: Kysely<any>, sqlTypes: SqlTypes, scope?: StoreScope): Promise<void> {
  // Backends declare types as SQL text (a collation does not fit Kysely's type names); raw text renders
  // exactly as written, so SQLite's DDL is the same as before.
  const types: ColumnTypes = {
    key: sql.raw(sqlTypes.key),
    text: sql.raw(sqlTypes.text),
    owner: sql.raw(sqlTypes.owner ?? sqlTypes.key),
    shortKey: sql.raw(sqlTypes.shortKey ?? sqlTypes.key),
  };
  await db.schema.createTable('cm_schema').ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', types.key, (c) => c.notNull())
    .addColumn('applied_at', types.key, (c) => c.notNull())
    .execute();
  // Another process may have migrated while we waited for the write lock.
  const current = await readSchemaVersion(connection);
  for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
    await migration.up(db, types, scope);
    await db.insertInto('cm_schema').values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() }).execute();
  }
}
