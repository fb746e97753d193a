/**
 * @module test/contracts/store.contract
 * The behaviour every `Store` (SQLite, PostgreSQL, MySQL, MongoDB …) must show, as a reusable node:test
 * suite. A backend's test file calls `storeContract(name, make)`; `make` returns a fresh, migrated, empty
 * store for each case, so cases never see each other's rows. A backend that cannot honour a case skips it
 * by title with a reason (reported through `t.skip`), so the gap stays visible in every run.
 */
import { describe, test } from 'node:test';
import type { Store, StoreScope } from '../../src/core/store.ts';
import { COLLECTION_NAMES } from './store.samples.ts';
import { dataCases } from './store.cases-data.ts';
import { scopeCases } from './store.cases-scope.ts';
import { transactionCases } from './store.cases-tx.ts';
import { STORE_CASES, type CaseContext, type RunCase } from './store.cases.ts';

export { STORE_CASES, type CaseContext, type RunCase };

/**
 * A fresh empty store, how to throw it away, and (for persistent backends) how to open it again, with a
 * scope (StoreScope) when given one: how the scope case opens several users' stores on one database.
 */
export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void>; reopen?(scope?: StoreScope): Promise<Store> }>;

export interface StoreContractOptions {
  /** Case title → why this backend skips it. */
  skip?: Record<string, string>;
}

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
        const ctx: CaseContext = { store: made.store, t };
        const reopenFactory = made.reopen?.bind(made);
        const extra: Store[] = [];
        if (reopenFactory) {
          ctx.openScoped = async (scope) => {
            const store = await reopenFactory(scope);
            extra.push(store);
            return store;
          };
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
            for (const store of extra) await store.close();
            if (open) await ctx.store.close();
          } finally {
            await made.cleanup();
          }
        }
      });

    describe('collections', () => dataCases(run, COLLECTION_NAMES));
    describe('transactions, counters, schema', () => transactionCases(run));
    describe('shared databases', () => scopeCases(run));
  });
}
