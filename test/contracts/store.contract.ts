/**
 * @module test/contracts/store.contract
 * The behaviour every `Store` (SQLite, PostgreSQL, MySQL, MongoDB …) must show, as a reusable node:test
 * suite. A backend's test file calls `storeContract(name, make)`; `make` returns a fresh, migrated, empty
 * store for each case, so cases never see each other's rows. A backend that cannot honour a case skips it
 * by title with a reason (reported through `t.skip`), so the gap stays visible in every run.
 */
import { describe, test } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { COLLECTION_NAMES } from './store.samples.ts';
import { dataCases } from './store.cases-data.ts';
import { transactionCases } from './store.cases-tx.ts';

/** A fresh empty store, how to throw it away, and (for persistent backends) how to open it again. */
export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void>; reopen?(): Promise<Store> }>;

export interface StoreContractOptions {
  /** Case title → why this backend skips it. */
  skip?: Record<string, string>;
}

/** What a case gets: the store, and `reopen` (closes it, opens the same database, makes that `store`). */
export interface CaseContext {
  store: Store;
  reopen?: () => Promise<Store>;
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
} as const;

/** Register the contract suite for one Store implementation. */
export function storeContract(name: string, make: StoreFactory, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const run: RunCase = (title, fn) =>
      test(title, { timeout: 30_000 }, async (t) => {
        const reason = options.skip?.[title];
        if (reason !== undefined) {
          t.skip(reason);
          return;
        }
        const made = await make();
        let open = true;
        const ctx: CaseContext = { store: made.store };
        const reopenFactory = made.reopen?.bind(made);
        if (reopenFactory) {
          ctx.reopen = async () => {
            await ctx.store.close();
            open = false;
            ctx.store = await reopenFactory();
            open = true;
            return ctx.store;
          };
        }
        try {
          await fn(ctx);
        } finally {
          try {
            if (open) await ctx.store.close();
          } finally {
            await made.cleanup();
          }
        }
      });

    describe('collections', () => dataCases(run, COLLECTION_NAMES));
    describe('transactions, counters, schema', () => transactionCases(run));
  });
}
