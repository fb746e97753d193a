/**
 * @module commands/db/transfer
 * `db export FILE` and `db import FILE [--replace]`: the state database as JSON lines, to move it between
 * backends or keep a copy. Both act on files of the machine running cm, so neither is served over REST.
 */
import { dirname, resolve } from 'node:path';
import { defineCommand } from '../../core/command.ts';
import { collectSecrets } from '../../config/secrets.ts';
import { exportStore, importExport, readExport, type ExportResult, type ImportResult } from '../../services/db-transfer.ts';

/** `db export FILE`. */
export const exportCommand = defineCommand<{ file: string }, ExportResult>({
  path: ['db', 'export'],
  summary: 'Write every collection of the state database to a file (JSON lines)',
  description:
    'The first line is a header (format, schema version, backend, time, row count of each collection), then one line per row: {"collection": NAME, "row": {…}}. ' +
    'The file is written under a temporary name and renamed into place (mode 0600). The export is refused, writing nothing, if any row holds the value of a secret from cloudmesh.yaml. ' +
    'To move state to another backend: cm db export FILE, cm db use …, cm db import FILE.',
  examples: ['cm db export state.jsonl', 'cm db export state.jsonl && cm db use postgres env:CM_DB_URL && cm db import state.jsonl'],
  positionals: [{ name: 'file', required: true, complete: 'file', description: 'Where to write (replaced if it exists)' }],
  rest: false,
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const config = await ctx.config();
    const store = await ctx.store();
    // Relative file: references resolve against the config's folder, as everywhere else.
    const secrets = collectSecrets(config, ctx.env, { baseDir: dirname(config.path) });
    return exportStore(store, input.file, { now: ctx.now(), secrets });
  },
});

/** `db import FILE [--replace]`. */
export const importCommand = defineCommand<{ file: string; replace?: boolean }, ImportResult>({
  path: ['db', 'import'],
  summary: 'Load a file written by db export into the state database (one transaction)',
  description:
    'The whole file is checked first (header, JSON, collections, columns and their types, duplicate keys, the row counts the header announces); the first problem is reported as FILE:LINE and nothing is written. ' +
    'Then every row is upserted by key in one transaction. Counters keep the larger of their two values. ' +
    'With --replace, each collection the file holds becomes exactly the file\'s rows (the others are deleted), counters included. --dry-run shows the counts and writes nothing.',
  examples: ['cm db import state.jsonl', 'cm db import state.jsonl --replace --dry-run', 'cm db import state.jsonl --replace'],
  positionals: [{ name: 'file', required: true, complete: 'file', description: 'A file written by cm db export' }],
  options: [{ name: 'replace', type: 'boolean', description: 'Delete the rows of each collection in the file that the file does not hold' }],
  changesState: true,
  destructive: true,
  rest: false,
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const file = resolve(input.file);
    // Before the store opens: a bad file costs no connection and cannot have written anything.
    const parsed = await readExport(file);
    return importExport(await ctx.store(), parsed, { file, replace: input.replace === true, dryRun: ctx.dryRun });
  },
});
