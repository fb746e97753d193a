/**
 * @module store/sql/migration-owner
 * Schema version 2: every collection but `audit` and `counters` gets the hidden `owner` column as the
 * first part of its primary key, so users (and machines, for local-cluster jobs) sharing one database
 * never overwrite each other's rows. A primary key cannot be altered in SQLite, so each table is rebuilt
 * the same way on every dialect: create `<table>_v2`, copy the rows, drop the old table, rename. The
 * rows already there belong to whoever migrates (a SQLite file is one user's; on a shared server the
 * first user to upgrade adopts the rows written before owners existed), and jobs of that user's
 * machine-local clusters to that machine.
 */
import type { Kysely } from 'kysely';
import type { StoreScope } from '../../core/store.ts';
import { NO_OWNER, OWNER_COLUMN } from '../scope.ts';
import type { ColumnTypes } from './migrations.ts';

type Kind = 'key' | 'shortKey' | 'text' | 'integer';
/** A column of the version 1 schema (but see groups): name, kind, NOT NULL. */
type Column = readonly [string, Kind, boolean];

const cached: Column[] = [['source', 'key', true], ['seen_at', 'key', true]];

/** The owned tables exactly as version 1 created them (that migration never changes, so neither does this). */
const V1_TABLES: Record<string, { key: readonly string[]; columns: readonly Column[] }> = {
  defaults: { key: ['scope', 'key'], columns: [['scope', 'key', true], ['key', 'key', true], ['value', 'text', true], ...cached] },
  vars: { key: ['name'], columns: [['name', 'key', true], ['value', 'text', true], ...cached] },
  vms: {
    key: ['cloud', 'name'],
    columns: [['cloud', 'key', true], ['name', 'key', true], ['id', 'key', true], ['status', 'key', true], ['image', 'key', false],
      ['flavor', 'key', false], ['key', 'key', false], ['group_name', 'key', false], ['public_ip', 'key', false],
      ['private_ip', 'key', false], ['created_at', 'key', false], ['data', 'text', true], ...cached],
  },
  images: { key: ['cloud', 'id'], columns: [['cloud', 'key', true], ['id', 'key', true], ['name', 'key', true], ['status', 'key', false], ['data', 'text', true], ...cached] },
  flavors: {
    key: ['cloud', 'id'],
    columns: [['cloud', 'key', true], ['id', 'key', true], ['name', 'key', true], ['vcpus', 'integer', false], ['ram_mb', 'integer', false],
      ['disk_gb', 'integer', false], ['data', 'text', true], ...cached],
  },
  keys: { key: ['cloud', 'name'], columns: [['cloud', 'key', true], ['name', 'key', true], ['fingerprint', 'key', false], ['public_key', 'text', false], ...cached] },
  secgroups: { key: ['cloud', 'name'], columns: [['cloud', 'key', true], ['name', 'key', true], ['rules', 'text', true], ...cached] },
  // member_kind (vm, job, container) becomes a short key, so owner + the three fit MySQL's key limit.
  groups: { key: ['name', 'member_kind', 'member'], columns: [['name', 'key', true], ['member_kind', 'shortKey', true], ['member', 'key', true], ...cached] },
  jobs: {
    key: ['cluster', 'id'],
    columns: [['cluster', 'key', true], ['id', 'key', true], ['name', 'key', true], ['state', 'key', true], ['exit_code', 'integer', false],
      ['submitted_at', 'key', true], ['started_at', 'key', false], ['ended_at', 'key', false], ['dir', 'text', false],
      ['reason', 'text', false], ['spec', 'text', true], ...cached],
  },
  clusters: { key: ['name'], columns: [['name', 'key', true], ['kind', 'key', true], ['spec', 'text', true], ...cached] },
};

export async function addOwners(db: Kysely<any>, types: ColumnTypes, scope: StoreScope | undefined): Promise<void> {
  const user = scope?.user ?? NO_OWNER;
  for (const [table, { key, columns }] of Object.entries(V1_TABLES)) {
    const next = `${table}_v2`;
    // Left by a MySQL migration that died half way (its DDL commits at once); version 1's table still holds the rows.
    await db.schema.dropTable(next).ifExists().execute();
    let create = db.schema.createTable(next).addColumn(OWNER_COLUMN, types.owner ?? types.key, (c) => c.notNull().defaultTo(NO_OWNER));
    for (const [name, kind, notNull] of columns) {
      const type = kind === 'integer' ? 'integer' : (types[kind] ?? types.key);
      create = create.addColumn(name, type, (c) => (notNull ? c.notNull() : c));
    }
    // A new constraint name: PostgreSQL names the key's index after it, and the old one still exists here.
    await create.addPrimaryKeyConstraint(`${table}_owner_pk`, [OWNER_COLUMN, ...key] as never).execute();
    const names = columns.map(([name]) => name);
    await db.insertInto(next).columns(names).expression(db.selectFrom(table).select(names)).execute();
    if (user !== NO_OWNER) await db.updateTable(next).set({ [OWNER_COLUMN]: user }).execute();
    if (table === 'jobs' && scope && scope.machineClusters.length > 0) {
      await db.updateTable(next).set({ [OWNER_COLUMN]: scope.machine }).where('cluster', 'in', [...scope.machineClusters]).execute();
    }
    await db.schema.dropTable(table).execute();
    await db.schema.alterTable(next).renameTo(table).execute();
  }
  // Dropped with version 1's jobs table; the owner leads, as in every query.
  await db.schema.createIndex('jobs_state').on('jobs').columns([OWNER_COLUMN, 'cluster', 'state']).execute();
}
