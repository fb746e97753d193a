/**
 * @module store/sql/statements
 * SQL text for the collection operations, built from the collection layout. Table and column names come
 * only from `core/collections.ts` (checked against it) and values are always bound parameters, so nothing
 * a user typed can change a statement's meaning.
 */
import type { CollectionLayout } from '../../core/collections.ts';
import type { ListQuery, Where } from '../../core/store.ts';
import type { OwnerRule } from '../scope.ts';
import { OWNER_COLUMN } from '../scope.ts';
import type { Dialect } from './driver.ts';

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** Builds statements for one table in one dialect. */
export class TableStatements<R> {
  readonly #table: string;
  readonly #layout: CollectionLayout<R>;
  readonly #dialect: Dialect;
  /** The hidden owner column's rule: every statement sees only visible owners and writes the row's own. */
  readonly #owner: OwnerRule | undefined;

  constructor(table: string, layout: CollectionLayout<R>, dialect: Dialect, owner?: OwnerRule) {
    this.#table = table;
    this.#layout = layout;
    this.#dialect = dialect;
    this.#owner = owner;
  }

  select(query: ListQuery<R>): Statement {
    const params: unknown[] = [];
    let sql = `SELECT ${this.#layout.columns.map((c) => this.#id(c)).join(', ')} FROM ${this.#id(this.#table)}${this.#where(query.where ?? {}, params)}`;
    const order = query.orderBy ?? this.#layout.key.map((column) => ({ column, direction: 'asc' as const }));
    if (order.length > 0) sql += ` ORDER BY ${order.map((o) => `${this.#column(o.column)} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}`;
    if (query.limit !== undefined) sql += ` LIMIT ${this.#integer(query.limit)}`;
    if (query.offset !== undefined) {
      // SQLite and MySQL accept OFFSET only after a LIMIT: use the largest one each allows.
      if (query.limit === undefined && this.#dialect !== 'postgres') sql += this.#dialect === 'sqlite' ? ' LIMIT -1' : ' LIMIT 18446744073709551615';
      sql += ` OFFSET ${this.#integer(query.offset)}`;
    }
    return { sql, params };
  }

  count(where: Where<R>): Statement {
    const params: unknown[] = [];
    return { sql: `SELECT COUNT(*) AS n FROM ${this.#id(this.#table)}${this.#where(where, params)}`, params };
  }

  delete(where: Where<R>): Statement {
    const params: unknown[] = [];
    return { sql: `DELETE FROM ${this.#id(this.#table)}${this.#where(where, params)}`, params };
  }

  /** Insert, or update every non-key column when the key exists. */
  upsert(row: Record<string, unknown>): Statement {
    const owned = this.#owner !== undefined;
    const columns = owned ? [OWNER_COLUMN, ...this.#layout.columns] : (this.#layout.columns as readonly string[]);
    const key = owned ? [OWNER_COLUMN, ...this.#layout.key] : (this.#layout.key as readonly string[]);
    const params = columns.map((c) => (owned && c === OWNER_COLUMN ? this.#owner!.ownerOf(row) : row[c]));
    const values = columns.map((_, i) => this.#placeholder(i + 1)).join(', ');
    let sql = `INSERT INTO ${this.#id(this.#table)} (${columns.map((c) => this.#id(c)).join(', ')}) VALUES (${values})`;
    const updates = columns.filter((c) => !key.includes(c));
    if (this.#dialect === 'mysql') {
      const set = (updates.length > 0 ? updates : columns).map((c) => `${this.#id(c)} = VALUES(${this.#id(c)})`);
      sql += ` ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
    } else {
      const target = `(${key.map((c) => this.#id(c)).join(', ')})`;
      sql += updates.length > 0
        ? ` ON CONFLICT ${target} DO UPDATE SET ${updates.map((c) => `${this.#id(c)} = excluded.${this.#id(c)}`).join(', ')}`
        : ` ON CONFLICT ${target} DO NOTHING`;
    }
    return { sql, params };
  }

  #where(where: Where<R>, params: unknown[]): string {
    const clauses: string[] = [];
    if (this.#owner) {
      const marks = this.#owner.visible.map((owner) => {
        params.push(owner);
        return this.#placeholder(params.length);
      });
      clauses.push(`${this.#id(OWNER_COLUMN)} IN (${marks.join(', ')})`);
    }
    for (const [column, value] of Object.entries(where)) {
      if (value === undefined) continue;
      const id = this.#column(column);
      if (Array.isArray(value)) {
        if (value.length === 0) {
          clauses.push('1 = 0');
          continue;
        }
        const marks = value.map((v) => {
          params.push(this.#cell(column, v));
          return this.#placeholder(params.length);
        });
        clauses.push(`${id} IN (${marks.join(', ')})`);
      } else if (value === null) {
        clauses.push(`${id} IS NULL`);
      } else {
        params.push(this.#cell(column, value));
        clauses.push(`${id} = ${this.#placeholder(params.length)}`);
      }
    }
    return clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '';
  }

  /** JSON columns compare by their stored text. */
  #cell(column: string, value: unknown): unknown {
    return (this.#layout.json as readonly string[]).includes(column) ? JSON.stringify(value ?? {}) : value;
  }

  #column(column: string): string {
    if (!(this.#layout.columns as readonly string[]).includes(column)) throw new Error(`${this.#table} has no column ${column}`);
    return this.#id(column);
  }

  #id(name: string): string {
    return this.#dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
  }

  #placeholder(n: number): string {
    return this.#dialect === 'postgres' ? `$${n}` : '?';
  }

  #integer(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`limit and offset must be non-negative integers; got ${n}`);
    return n;
  }
}

/**
 * Statements that add 1 to the counter `name` (creating it at 1) in one atomic write, then read the new
 * value: `increment` returns it as column `value` when `read` is absent. For the servers, where the
 * generic read-then-write lets two transactions read the same value (PostgreSQL's READ COMMITTED, MySQL's
 * consistent reads). Undefined for SQLite, whose BEGIN IMMEDIATE already serialises the read-then-write.
 */
export function counterIncrement(dialect: Dialect, name: string): { increment: Statement; read?: string } | undefined {
  if (dialect === 'postgres') {
    return {
      increment: {
        sql: 'INSERT INTO "counters" ("name", "value") VALUES ($1, 1) ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + 1 RETURNING "value"',
        params: [name],
      },
    };
  }
  if (dialect === 'mysql') {
    // LAST_INSERT_ID(expr) remembers expr for this connection, on the insert and on the update path alike.
    return {
      increment: {
        sql: 'INSERT INTO `counters` (`name`, `value`) VALUES (?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE `value` = LAST_INSERT_ID(`value` + 1)',
        params: [name],
      },
      read: 'SELECT LAST_INSERT_ID() AS `value`',
    };
  }
  return undefined;
}
