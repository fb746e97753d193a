/**
 * @module test/contracts/store.cases
 * The shape of a Store contract case and the titles of all cases (the keys of `options.skip`), apart from
 * the suite itself so the case files and the suite do not import each other.
 */
import type { TestContext } from 'node:test';
import type { Store, StoreScope } from '../../src/core/store.ts';

/** What a case gets: the store, and `reopen` (closes it, opens the same database, makes that `store`). */
export interface CaseContext {
  store: Store;
  /** node:test's context, for `t.skip(reason)` when a case does not apply to this backend. */
  t: TestContext;
  reopen?: () => Promise<Store>;
  /** Open another store on the same database with this scope; the harness closes it after the case. */
  openScoped?: (scope: StoreScope) => Promise<Store>;
}

/** Registers one case; the harness makes the store before and closes and cleans it up after. */
export type RunCase = (title: string, fn: (ctx: CaseContext) => Promise<void>) => void;

/** Titles of the cases, for `options.skip`. */
export const STORE_CASES = {
  crud: (collection: string) => `put, get, upsert, count and delete round-trip every column: ${collection}`,
  filters: 'list filters by equality, membership (IN) and null, alone and combined',
  order: 'list orders by several columns, ascending and descending, and by key by default',
  paging: 'limit and offset page through the ordered list in disjoint pages',
  deleteGuard: 'delete refuses an empty filter and deletes nothing',
  deleteWhere: 'delete by a filter removes exactly the matching rows and says how many',
  replace: 'replace adds, updates and removes only inside its scope',
  hostile: 'values with quotes, semicolons, $(…), newlines, unicode and SQL round-trip exactly',
  commit: 'transaction commits every write on success and returns the result',
  rollback: 'transaction rolls back every write on throw and rethrows the same error',
  nested: 'a nested transaction runs inside the outer one',
  bulk: 'putMany of 1000 rows is fast and atomic',
  counter: 'nextCounter counts 1, 2, 3 … independently per name',
  counterConcurrent: 'concurrent nextCounter calls never hand out the same value',
  migrateInfo: 'migrate on a current store is a no-op and info reports version and counts',
  reopen: 'data survives close and reopen',
  scopes: 'users sharing a database see only their own rows; local-cluster jobs stay with their machine',
} as const;
