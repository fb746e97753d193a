/**
 * @module services/db-transfer
 * `db export` / `db import`: every collection as JSON lines, so state can move between backends (SQLite →
 * PostgreSQL, …) or be kept as a backup. The first line is a header that also announces how many rows of
 * each collection follow, which is what lets an import tell a file cut short at a line boundary from a
 * complete one. An import checks the whole file before it writes anything, then writes it in one transaction.
 * On a database shared by several users both work on what the store sees (core/store.ts StoreScope): an
 * export holds the exporting user's rows (and this machine's local jobs) plus the shared audit log and
 * counters, and an import makes its rows the importing user's.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { COLLECTIONS, COLLECTION_NAMES, type Json } from '../core/collections.ts';
import { isCmError, UserError } from '../core/errors.ts';
import type { Collection, CollectionName, ROWS, Store } from '../core/store.ts';
import { didYouMean } from '../core/suggest.ts';

/** The one version of the file format this code writes and reads. */
export const EXPORT_FORMAT = 1;

type Kind = 'string' | 'string?' | 'number' | 'number?' | 'json';
type KindOf<T> = [T] extends [Json] ? 'json' : [T] extends [string] ? 'string' : [T] extends [string | null] ? 'string?'
  : [T] extends [number] ? 'number' : [T] extends [number | null] ? 'number?' : never;

/**
 * The type of every column (`?` = nullable). The layout in core/collections.ts does not carry types; this
 * table is checked against the row interfaces by the compiler, so it cannot drift from them.
 */
export const COLUMN_KINDS: { [K in CollectionName]: { [C in keyof ROWS[K]]-?: KindOf<ROWS[K][C]> } } = {
  defaults: { scope: 'string', key: 'string', value: 'string', source: 'string', seen_at: 'string' },
  vars: { name: 'string', value: 'string', source: 'string', seen_at: 'string' },
  vms: {
    cloud: 'string', name: 'string', id: 'string', status: 'string', image: 'string?', flavor: 'string?', key: 'string?',
    group_name: 'string?', public_ip: 'string?', private_ip: 'string?', created_at: 'string?', data: 'json', source: 'string', seen_at: 'string',
  },
  images: { cloud: 'string', id: 'string', name: 'string', status: 'string?', data: 'json', source: 'string', seen_at: 'string' },
  flavors: {
    cloud: 'string', id: 'string', name: 'string', vcpus: 'number?', ram_mb: 'number?', disk_gb: 'number?', data: 'json',
    source: 'string', seen_at: 'string',
  },
  keys: { cloud: 'string', name: 'string', fingerprint: 'string?', public_key: 'string?', source: 'string', seen_at: 'string' },
  secgroups: { cloud: 'string', name: 'string', rules: 'json', source: 'string', seen_at: 'string' },
  groups: { name: 'string', member_kind: 'string', member: 'string', source: 'string', seen_at: 'string' },
  jobs: {
    cluster: 'string', id: 'string', name: 'string', state: 'string', exit_code: 'number?', submitted_at: 'string', started_at: 'string?',
    ended_at: 'string?', dir: 'string?', reason: 'string?', spec: 'json', source: 'string', seen_at: 'string',
  },
  clusters: { name: 'string', kind: 'string', spec: 'json', source: 'string', seen_at: 'string' },
  audit: { id: 'string', time: 'string', user: 'string', face: 'string', command: 'string', args: 'string', result: 'string', exit_code: 'number' },
  counters: { name: 'string', value: 'number' },
};

/** The first line of an export. `rows` names the collections the file holds and how many rows each has. */
export interface ExportHeader {
  cloudmesh: 'export';
  format: number;
  schema: number;
  backend: string;
  exported_at: string;
  rows: Partial<Record<CollectionName, number>>;
}

type Row = Record<string, unknown>;

/** A file that passed validation: its header and its rows by collection. */
export interface ParsedExport {
  header: ExportHeader;
  rows: Partial<Record<CollectionName, Row[]>>;
}

/** What `db export` reports. */
export interface ExportResult {
  file: string;
  backend: string;
  rows: Partial<Record<CollectionName, number>>;
  total: number;
}

/**
 * Secrets shorter than this are not looked for: they would match ordinary text by chance and block every
 * export, and a value that short protects nothing anyway.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * Write every collection of `store` to `file` (JSON lines, mode 0600): all rows are read in one
 * transaction (a consistent snapshot where the backend gives one), checked against `secrets`, written to a
 * temp file beside the target and renamed over it, so the target is either the old file or the whole new one.
 */
export async function exportStore(store: Store, file: string, options: { now: Date; secrets: readonly string[] }): Promise<ExportResult> {
  const target = resolve(file);
  const snapshot = await store.transaction(async (tx) => {
    const rows: Partial<Record<CollectionName, Row[]>> = {};
    for (const name of COLLECTION_NAMES) rows[name] = (await tx.collection(name).list()) as unknown as Row[];
    return { schema: (await tx.info()).schemaVersion, rows };
  });
  const counts = Object.fromEntries(COLLECTION_NAMES.map((name) => [name, snapshot.rows[name]!.length])) as Record<CollectionName, number>;
  const header: ExportHeader = { cloudmesh: 'export', format: EXPORT_FORMAT, schema: snapshot.schema, backend: store.backend, exported_at: options.now.toISOString(), rows: counts };
  const lines = [JSON.stringify(header)];
  for (const name of COLLECTION_NAMES) {
    const columns = COLLECTIONS[name].columns as readonly string[];
    // Columns in layout order, whatever order the driver returned them in: exports of equal state are equal text.
    for (const row of snapshot.rows[name]!) lines.push(JSON.stringify({ collection: name, row: Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) }));
  }
  // Both the raw and the JSON-escaped form: a secret holding a quote or a backslash is written escaped.
  const needles = options.secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  lines.forEach((line, index) => {
    if (!needles.some((needle) => line.includes(needle))) return;
    const collection = index === 0 ? 'the header' : `a row of ${(JSON.parse(line) as { collection: string }).collection}`;
    throw new UserError(`refusing to export: line ${index + 1} (${collection}) contains the value of a secret from cloudmesh.yaml; nothing was written`, {
      hint: 'remove or change that value in the state (e.g. cm var delete NAME), then export again',
    });
  });
  await writeAtomically(target, lines.join('\n') + '\n');
  return { file: target, backend: store.backend, rows: counts, total: lines.length - 1 };
}

async function writeAtomically(target: string, text: string): Promise<void> {
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      // On disk before the rename, so a crash never leaves a renamed but empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new UserError(`cannot write ${target}: ${fsReason(error)}`, { cause: error });
  }
}

/** Read and validate a whole export file; throws `UserError` "FILE:LINE: reason" for the first problem. */
export async function readExport(file: string): Promise<ParsedExport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${fsReason(error)}`);
  }
  return parseExport(text, file);
}

/**
 * Validate an export held in `text` (named `file` in messages): header, JSON of every line, known
 * collections and columns, column types, no duplicate keys, and the row counts the header announces.
 */
export function parseExport(text: string, file: string): ParsedExport {
  const fail = (line: number, reason: string): never => {
    throw new UserError(`${file}:${line}: ${reason}`, { hint: 'nothing was imported; the file must be exactly as cm db export wrote it' });
  };
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // The newline that ends the last line is not an empty line of its own.
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const header = parseHeader(lines[0]!, (reason) => fail(1, reason));
  const rows: Partial<Record<CollectionName, Row[]>> = {};
  const seen = new Map<string, number>();
  for (let index = 1; index < lines.length; index++) {
    const at = index + 1;
    const reason = (message: string) => fail(at, message);
    const entry = parseJson(lines[index]!, reason);
    if (!isObject(entry)) return reason('expected {"collection": NAME, "row": {…}}');
    const extra = Object.keys(entry).find((key) => key !== 'collection' && key !== 'row');
    if (extra !== undefined) return reason(`unexpected field "${extra}" (a line holds only "collection" and "row")`);
    const name = entry.collection;
    if (typeof name !== 'string') return reason('"collection" must be a string');
    if (!Object.hasOwn(COLLECTIONS, name)) return reason(`unknown collection "${name}"${didYouMean(name, COLLECTION_NAMES)}`);
    const collection = name as CollectionName;
    if (header.rows[collection] === undefined) return reason(`collection "${name}" is not announced in the header (line 1)`);
    const row = entry.row;
    if (!isObject(row)) return reason('"row" must be an object');
    checkRow(collection, row, reason);
    const key = `${name}\u0000${JSON.stringify(COLLECTIONS[collection].key.map((c) => (row as Row)[c]))}`;
    const first = seen.get(key);
    if (first !== undefined) return reason(`duplicate ${name} row: same key as line ${first}`);
    seen.set(key, at);
    (rows[collection] ??= []).push(row);
  }
  for (const [name, expected] of Object.entries(header.rows) as [CollectionName, number][]) {
    const found = rows[name]?.length ?? 0;
    if (found !== expected) {
      fail(lines.length + 1, `the header (line 1) announces ${expected} ${name} rows but the file holds ${found}: it was cut short or edited`);
    }
  }
  return { header, rows };
}

function parseHeader(line: string, reason: (message: string) => never): ExportHeader {
  if (line.trim() === '') return reason('empty: not a cloudmesh export (the first line must be its header)');
  const header = parseJson(line, reason);
  if (!isObject(header) || header.cloudmesh !== 'export') return reason('not a cloudmesh export (the first line must be its header)');
  if (header.format !== EXPORT_FORMAT) return reason(`export format ${JSON.stringify(header.format)} is not supported (this cm reads format ${EXPORT_FORMAT})`);
  if (!Number.isSafeInteger(header.schema) || (header.schema as number) < 1) return reason('"schema" must be a schema version (a whole number ≥ 1)');
  if (typeof header.backend !== 'string') return reason('"backend" must be a string');
  if (typeof header.exported_at !== 'string') return reason('"exported_at" must be a string');
  if (!isObject(header.rows)) return reason('"rows" must be an object of row counts by collection');
  for (const [name, count] of Object.entries(header.rows)) {
    if (!Object.hasOwn(COLLECTIONS, name)) return reason(`"rows" names an unknown collection "${name}"${didYouMean(name, COLLECTION_NAMES)}`);
    if (!Number.isSafeInteger(count) || (count as number) < 0) return reason(`"rows.${name}" must be a row count (a whole number ≥ 0)`);
  }
  return header as unknown as ExportHeader;
}

const KIND_TEXT: Record<Kind, string> = {
  string: 'a string',
  'string?': 'a string or null',
  number: 'a whole number',
  'number?': 'a whole number or null',
  json: 'a JSON object',
};

function checkRow(name: CollectionName, row: Row, reason: (message: string) => never): void {
  const kinds = COLUMN_KINDS[name] as Record<string, Kind>;
  for (const [column, kind] of Object.entries(kinds)) {
    if (!Object.hasOwn(row, column)) reason(`${name} row has no column "${column}"`);
    const value = row[column];
    const ok = kind === 'json' ? isObject(value)
      : kind.startsWith('number') ? (value === null && kind === 'number?') || Number.isSafeInteger(value)
      : typeof value === 'string' || (value === null && kind === 'string?');
    if (!ok) reason(`column "${column}" of ${name} must be ${KIND_TEXT[kind]}, not ${describe(value)}`);
  }
  const extra = Object.keys(row).find((column) => !Object.hasOwn(kinds, column));
  if (extra !== undefined) reason(`${name} has no column "${extra}"`);
}

/** The shape of a value, never the value itself (it may be long, or sensitive). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number too large' : 'a fraction';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseJson(line: string, reason: (message: string) => never): unknown {
  if (line.trim() === '') return reason('empty line');
  try {
    return JSON.parse(line);
  } catch (error) {
    return reason(`not valid JSON (${(error as Error).message})`);
  }
}

function isObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an import changed (or would change) in one collection. */
export interface CollectionChange {
  rows: number;
  added: number;
  updated: number;
  removed: number;
}

/** What `db import` reports. */
export interface ImportResult {
  file: string;
  backend: string;
  location: string;
  replace: boolean;
  dry_run: boolean;
  total: number;
  added: number;
  updated: number;
  removed: number;
  collections: Partial<Record<CollectionName, CollectionChange>>;
}

/**
 * Write a validated export into `store`, all in one transaction (nothing is written when anything fails).
 * Rows are upserted by key. With `replace`, each of the user's own collections the header names is made
 * exactly the file's rows (`replace({}, rows)`: the rows not in the file are deleted by key). The audit log
 * and the counters are shared by every user of the database, so `replace` never prunes them: audit rows are
 * only ever added, and a counter never goes down (it keeps the larger value, so no id is handed out twice).
 * With `dryRun`, only the counts are computed.
 */
/** Shared by everyone on a database (see store/scope.ts): an import adds to them, never prunes them. */
const SHARED_COLLECTIONS: ReadonlySet<CollectionName> = new Set(['audit', 'counters']);

export async function importExport(store: Store, parsed: ParsedExport, options: { file: string; replace: boolean; dryRun: boolean }): Promise<ImportResult> {
  const schema = (await store.info()).schemaVersion;
  if (parsed.header.schema > schema) {
    throw new UserError(`${options.file}:1: the export is of schema version ${parsed.header.schema}, newer than ${store.location} (${schema}); nothing was imported`, {
      hint: 'upgrade cloudmesh, run cm db migrate, then import again',
    });
  }
  const result: ImportResult = {
    file: options.file, backend: store.backend, location: store.location, replace: options.replace, dry_run: options.dryRun,
    total: 0, added: 0, updated: 0, removed: 0, collections: {},
  };
  const apply = async (tx: Store): Promise<void> => {
    for (const name of COLLECTION_NAMES) {
      if (parsed.header.rows[name] === undefined) continue;
      const replace = options.replace && !SHARED_COLLECTIONS.has(name);
      const collection = tx.collection(name) as unknown as Collection<Row>;
      const keyOf = (row: Row) => JSON.stringify((COLLECTIONS[name].key as readonly string[]).map((c) => row[c]));
      const existing = new Map((await collection.list()).map((row) => [keyOf(row), row]));
      let rows = parsed.rows[name] ?? [];
      const incoming = new Set(rows.map(keyOf));
      const added = rows.filter((row) => !existing.has(keyOf(row))).length;
      const removed = replace ? [...existing.keys()].filter((key) => !incoming.has(key)).length : 0;
      const change = { rows: rows.length, added, updated: rows.length - added, removed };
      // Collections the import leaves alone would only be noise in the report.
      if (change.rows > 0 || removed > 0) result.collections[name] = change;
      result.total += change.rows;
      result.added += added;
      result.updated += change.updated;
      result.removed += removed;
      if (options.dryRun) continue;
      if (name === 'counters') {
        rows = rows.map((row) => ({ ...row, value: Math.max(row.value as number, (existing.get(keyOf(row))?.value as number | undefined) ?? 0) }));
      }
      if (replace) await collection.replace({}, rows);
      else await collection.putMany(rows);
    }
  };
  if (options.dryRun) {
    await apply(store);
    return result;
  }
  try {
    await store.transaction(apply);
  } catch (error) {
    if (isCmError(error)) error.hint = [error.hint, 'nothing was imported (the transaction was rolled back)'].filter(Boolean).join('; ');
    throw error;
  }
  return result;
}

function fsReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return error instanceof Error ? error.message.split('\n', 1)[0]! : String(error);
}
