/**
 * @module commands/db
 * `db info`, `db migrate`, `db export`, `db import` (transfer.ts) and `db use` (use.ts).
 */
import { defineCommand } from '../../core/command.ts';
import { exportCommand, importCommand } from './transfer.ts';
import { useCommand } from './use.ts';

const info = defineCommand<Record<string, never>, unknown>({
  path: ['db', 'info'],
  summary: 'Show the state backend, where it is, its schema version and row counts',
  description: 'On a database shared by several users, the counts are of the rows this user sees (profile.user, shown as user): the audit log and counters are shared by all.',
  examples: ['cm db info', 'cm db info --output json'],
  async run(ctx) {
    const info = await (await ctx.store()).info();
    return { backend: info.backend, location: info.location, user: await ctx.user(), schema_version: info.schemaVersion, latest_schema_version: info.latestSchemaVersion, ...prefix(info.counts) };
  },
});

const migrate = defineCommand<Record<string, never>, unknown>({
  path: ['db', 'migrate'],
  summary: 'Bring the database schema up to date (a backup is written first)',
  examples: ['cm db migrate'],
  changesState: true,
  async run(ctx) {
    return (await ctx.store()).migrate();
  },
});

function prefix(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [`rows_${name}`, n]));
}

export const commands = [info, migrate, exportCommand, importCommand, useCommand];
