/**
 * @module store/scope
 * Which rows of a shared database a store sees (see `StoreScope` in core/store.ts), as one policy for the
 * SQL and document stores alike, and how the CLI derives the scope from the config.
 */
import { hostname, userInfo } from 'node:os';
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import type { CollectionName, StoreScope } from '../core/store.ts';

/** The hidden column (document field) holding a row's owner. */
export const OWNER_COLUMN = 'owner';

/** Collections shared by everyone on the database: the audit log (it names its user) and counters. */
const UNOWNED: ReadonlySet<CollectionName> = new Set(['audit', 'counters']);

/** Owners are at most this long (MySQL's owner column is varchar(191)). */
export const OWNER_MAX = 191;

/** The owner of every row of a store opened without a scope. */
export const NO_OWNER = '';

/** How one collection is scoped: the owner written with a row, and the owners whose rows are visible. */
export interface OwnerRule {
  ownerOf(row: Record<string, unknown>): string;
  visible: readonly string[];
}

/** Whether a collection has the hidden owner column at all. */
export function isOwned(collection: CollectionName): boolean {
  return !UNOWNED.has(collection);
}

/** The rule of `collection` under `scope`, undefined for the shared collections. */
export function ownerRule(collection: CollectionName, scope: StoreScope | undefined): OwnerRule | undefined {
  if (!isOwned(collection)) return undefined;
  const user = scope?.user ?? NO_OWNER;
  if (collection !== 'jobs' || !scope) return { ownerOf: () => user, visible: [user] };
  const local = new Set(scope.machineClusters);
  return {
    ownerOf: (row) => (local.has(String(row.cluster)) ? scope.machine : user),
    // A machine's own local jobs, and every job of the user's shared clusters.
    visible: [user, scope.machine],
  };
}

/**
 * The scope of a `cm` home: `profile.user` (else the login name), and this host and home for the jobs of
 * clusters run by the `local` scheduler (their ids are numbered in `<home>/jobs`, so they mean nothing on
 * another machine or in another home).
 */
export function scopeFor(config: Pick<Config, 'profile' | 'clusters'>, home: string, env: Readonly<Record<string, string | undefined>>): StoreScope {
  const user = config.profile.user || env.USER || userInfo().username;
  if (user.length > 120) throw new UserError(`profile.user is ${user.length} characters long; cloudmesh allows at most 120`);
  // Readable when it fits; a long home path is replaced by its digest.
  let machine = `${user}@${hostname()}:${home}`;
  // node:crypto costs ~4.5 ms to load and is needed only for this rare case, so it is fetched here.
  if (machine.length > OWNER_MAX) machine = `${user}@${hostname().slice(0, 40)}#${process.getBuiltinModule('node:crypto').createHash('sha256').update(`${hostname()}:${home}`).digest('hex').slice(0, 24)}`;
  const machineClusters = Object.entries(config.clusters).filter(([, c]) => c.scheduler === 'local').map(([name]) => name);
  if (!machineClusters.includes('local') && !config.clusters.local) machineClusters.push('local');
  return { user, machine, machineClusters: machineClusters.sort() };
}
