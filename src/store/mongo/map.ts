/**
 * @module store/mongo/map
 * Pure mapping between cloudmesh rows and MongoDB documents, filters and sorts, and the reading of a
 * `mongodb://` URL. No driver here, so all of it is unit-tested without a server.
 *
 * A row is one document holding every column of the layout (null stays null), plus the hidden owner
 * field of owned collections (store/scope.ts); `_id` is the server's and never leaves this module. JSON
 * columns are kept as their JSON text, exactly as the SQL stores keep them: object keys such as `$set` or
 * `a.b` (legal in cloudmesh data) would otherwise be field names MongoDB treats specially, and filters on
 * a JSON column compare the same text on every backend.
 */
import type { CollectionLayout } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import type { ListQuery, Where } from '../../core/store.ts';
import { OWNER_COLUMN, type OwnerRule } from '../scope.ts';

export type Document = Record<string, unknown>;

/** What a masked password looks like (as in store/sql/server.ts). */
const MASK = '********';

/** A parsed `database.url` for MongoDB. */
export interface MongoTarget {
  /** The URL as given, password included: for the driver only. */
  url: string;
  /** The URL with every password masked: safe to print. */
  location: string;
  /** `host:port,host:port` (or the SRV name), for messages. */
  hosts: string;
  /** The database (the URL's path; `cloudmesh` when it names none). */
  database: string;
  user: string;
  /** Text that must never reach a message: the password, raw and decoded. */
  secrets: string[];
}

const EXAMPLE = 'mongodb://user:password@host:27017/database';

/**
 * Read a MongoDB connection string. Not through WHATWG `URL`: a replica-set seed list
 * (`mongodb://a:27017,b:27017/db`) is not a URL host. Errors never repeat the text (it may hold a password).
 */
export function parseMongoUrl(text: string): MongoTarget {
  const match = /^(mongodb(?:\+srv)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(text.trim());
  if (!match) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
    if (scheme && !/^mongodb(\+srv)?$/i.test(scheme)) {
      throw new UserError(`database.url for MongoDB must start with mongodb:// or mongodb+srv://, not ${scheme}://`, { hint: `write it as ${EXAMPLE}` });
    }
    throw new UserError('database.url is not a valid MongoDB connection string', { hint: `write it as ${EXAMPLE}` });
  }
  const [, scheme, userinfo, hostList = '', path = '', query = ''] = match;
  if (!hostList) throw new UserError('database.url names no MongoDB host', { hint: `write it as ${EXAMPLE}` });
  for (const host of hostList.split(',')) {
    if (!/^(\[[0-9a-f:.]+\]|[^:\[\]]+)(:\d{1,5})?$/i.test(host)) throw new UserError('database.url has an invalid host list', { hint: `write it as ${EXAMPLE}` });
  }
  const secrets = new Set<string>();
  const addSecret = (value: string) => {
    if (!value) return;
    secrets.add(value);
    secrets.add(safeDecode(value));
  };
  let user = '';
  let maskedUserinfo = '';
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    user = safeDecode(rawUser);
    if (colon >= 0) addSecret(userinfo.slice(colon + 1));
    maskedUserinfo = `${rawUser}${colon >= 0 ? `:${MASK}` : ''}@`;
  }
  const maskedQuery = query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      if (eq >= 0 && /pass|secret|token/i.test(key)) {
        addSecret(pair.slice(eq + 1));
        return `${key}=${MASK}`;
      }
      return pair;
    })
    .join('&');
  const database = safeDecode(path) || 'cloudmesh';
  if (/[/\\. "$\0]/.test(database)) throw new UserError(`database.url names an invalid MongoDB database name "${database}"`, { hint: `write it as ${EXAMPLE}` });
  return {
    url: text.trim(),
    location: `${scheme}://${maskedUserinfo}${hostList}/${path}${maskedQuery ? `?${maskedQuery}` : ''}`,
    hosts: hostList,
    database,
    user,
    secrets: [...secrets].sort((a, b) => b.length - a.length),
  };
}

/** `text` with every secret replaced by the mask. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The document stored for `row`. Serialises every JSON column first, so a row that cannot be stored
 * (a cycle) fails here, before anything is written.
 */
export function toDocument<R>(layout: CollectionLayout<R>, row: R, owner?: OwnerRule): Document {
  const doc: Document = {};
  if (owner) doc[OWNER_COLUMN] = owner.ownerOf(row as Record<string, unknown>);
  for (const column of layout.columns) doc[column] = cell(layout, column, row[column]);
  return doc;
}

/** The row a stored document holds (owner and `_id` dropped). */
export function fromDocument<R>(layout: CollectionLayout<R>, doc: Document): R {
  const row: Record<string, unknown> = {};
  for (const column of layout.columns) {
    const value = doc[column];
    row[column] = layout.json.includes(column) && typeof value === 'string' ? JSON.parse(value) : (value ?? null);
  }
  return row as R;
}

/** The filter selecting exactly one row's document: its owner and key. */
export function keyFilter<R>(layout: CollectionLayout<R>, row: R, owner?: OwnerRule): Document {
  const filter: Document = {};
  if (owner) filter[OWNER_COLUMN] = owner.ownerOf(row as Record<string, unknown>);
  for (const column of layout.key) filter[column] = cell(layout, column, row[column]);
  return filter;
}

/**
 * A `Where` as a MongoDB filter, limited to the owners the store may see. Values are compared with `$eq`
 * and `$in` (never spread into the filter), so a value that looks like an operator stays a value.
 */
export function toFilter<R>(layout: CollectionLayout<R>, where: Where<R> = {}, owner?: OwnerRule): Document {
  const filter: Document = {};
  if (owner) filter[OWNER_COLUMN] = { $in: [...owner.visible] };
  for (const [column, value] of Object.entries(where) as [keyof R & string, unknown][]) {
    if (value === undefined) continue;
    if (!(layout.columns as readonly string[]).includes(column)) throw new Error(`no column ${column}`);
    filter[column] = Array.isArray(value) ? { $in: value.map((v) => cell(layout, column, v)) } : { $eq: cell(layout, column, value) };
  }
  return filter;
}

/** A sort specification: the query's order, else the key's (ascending). */
export function toSort<R>(layout: CollectionLayout<R>, orderBy?: ListQuery<R>['orderBy']): [string, 1 | -1][] {
  const order = orderBy ?? layout.key.map((column) => ({ column, direction: 'asc' as const }));
  return order.map(({ column, direction }) => {
    if (!(layout.columns as readonly string[]).includes(column)) throw new Error(`no column ${column}`);
    return [column, direction === 'desc' ? -1 : 1];
  });
}

/** The fields of the unique index on a collection's key (owner first where rows have owners). */
export function keyIndex<R>(layout: CollectionLayout<R>, owned: boolean): Record<string, 1> {
  const fields = owned ? [OWNER_COLUMN, ...layout.key] : [...layout.key];
  return Object.fromEntries(fields.map((field) => [field, 1 as const]));
}

/** Checked limit / offset (as the SQL stores check them). */
export function checkPage(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`limit and offset must be non-negative integers; got ${n}`);
  return n;
}

function cell<R>(layout: CollectionLayout<R>, column: keyof R & string, value: unknown): unknown {
  if (layout.json.includes(column)) return JSON.stringify(value ?? {});
  return value ?? null;
}
