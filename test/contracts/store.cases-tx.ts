/**
 * @module test/contracts/store.cases-tx
 * Contract cases for atomicity and the store as a whole: transactions (commit, rollback, nesting), bulk
 * writes, counters under concurrency, migrate/info, and persistence across close and reopen.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { COLLECTION_NAMES } from '../../src/core/collections.ts';
import type { CollectionName, ROWS, Store } from '../../src/core/store.ts';
import { STORE_CASES, type RunCase } from './store.cases.ts';
import { SAMPLES, inKeyOrder, keyOf, range, updatedSample } from './store.samples.ts';

/** A value no backend can store (JSON and BSON both refuse cycles), to make a write fail part-way. */
function unstorable(): Record<string, unknown> {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  return circular;
}

/** Put `count(i)` sample rows in every collection `i`; returns what was written, per collection. */
async function fillAll(store: Store, count: (index: number) => number): Promise<Map<CollectionName, unknown[]>> {
  const written = new Map<CollectionName, unknown[]>();
  for (const [index, name] of COLLECTION_NAMES.entries()) {
    const rows = range(count(index)).map((i) => SAMPLES[name](i));
    await store.collection(name).putMany(rows as never[]);
    written.set(name, rows);
  }
  return written;
}

export function transactionCases(run: RunCase): void {
  run(STORE_CASES.commit, async ({ store }) => {
    const result = await store.transaction(async (tx) => {
      await tx.collection('vars').put(SAMPLES.vars(1));
      await tx.collection('vms').putMany([SAMPLES.vms(1), SAMPLES.vms(2)]);
      await tx.collection('jobs').replace({ cluster: 'cluster-1' }, [SAMPLES.jobs(1), SAMPLES.jobs(4)]);
      assert.deepEqual(await tx.collection('vars').get({ name: 'var-00001' }), SAMPLES.vars(1), 'a transaction reads its own writes');
      return { answer: 42 };
    });
    assert.deepEqual(result, { answer: 42 }, 'transaction returns what its function returned');
    assert.deepEqual(await store.collection('vars').list(), [SAMPLES.vars(1)]);
    assert.deepEqual(await store.collection('vms').list(), [SAMPLES.vms(1), SAMPLES.vms(2)]);
    assert.deepEqual(await store.collection('jobs').list(), inKeyOrder('jobs', [SAMPLES.jobs(1), SAMPLES.jobs(4)]));
  });

  run(STORE_CASES.rollback, async ({ store }) => {
    const vars = store.collection('vars');
    const before = range(3).map(SAMPLES.vars);
    await vars.putMany(before);
    await store.collection('images').putMany([SAMPLES.images(0), SAMPLES.images(3)]);
    assert.equal(await store.nextCounter('rollback'), 1);
    const boom = new Error('boom: the caller failed');
    const attempt = store.transaction(async (tx) => {
      const txVars = tx.collection('vars');
      await txVars.put(SAMPLES.vars(3));
      await txVars.put(updatedSample('vars', 1));
      assert.equal(await txVars.delete({ name: 'var-00002' }), 1);
      await tx.collection('vms').putMany(range(10).map(SAMPLES.vms));
      await tx.collection('images').replace({ cloud: 'cloud-0' }, [SAMPLES.images(6)]);
      assert.equal(await tx.nextCounter('rollback'), 2);
      assert.equal(await txVars.count(), 3, 'inside, the writes are visible');
      throw boom;
    });
    // The caller's own error comes back as it was, not wrapped as a database failure.
    await assert.rejects(attempt, (error) => error === boom);
    assert.deepEqual(await vars.list(), before, 'insert, update and delete were rolled back');
    assert.equal(await store.collection('vms').count(), 0, 'putMany was rolled back');
    assert.deepEqual(await store.collection('images').list(), [SAMPLES.images(0), SAMPLES.images(3)], 'replace was rolled back');
    assert.equal(await store.nextCounter('rollback'), 2, 'the counter increment was rolled back');

    // A non-Error thrown value propagates unchanged too, and the store stays usable afterwards.
    await assert.rejects(store.transaction(async () => Promise.reject('plain string')), (error) => error === 'plain string');
    await store.transaction(async (tx) => tx.collection('vars').put(SAMPLES.vars(9)));
    assert.equal(await vars.count(), 4, 'a transaction after a rollback commits');
  });

  run(STORE_CASES.nested, async ({ store }) => {
    const vars = store.collection('vars');
    await store.transaction(async (outer) => {
      await outer.collection('vars').put(SAMPLES.vars(0));
      const inner = await outer.transaction(async (tx) => {
        assert.deepEqual(await tx.collection('vars').get({ name: 'var-00000' }), SAMPLES.vars(0), 'the inner one sees the outer writes');
        await tx.collection('vars').put(SAMPLES.vars(1));
        return 'inner result';
      });
      assert.equal(inner, 'inner result');
      assert.equal(await outer.collection('vars').count(), 2, 'the outer one sees the inner writes');
    });
    assert.equal(await vars.count(), 2);

    // The inner transaction is part of the outer one: when the outer one fails, the inner writes go too.
    const boom = new Error('outer fails after inner succeeded');
    await assert.rejects(
      store.transaction(async (outer) => {
        await outer.transaction(async (tx) => tx.collection('vars').put(SAMPLES.vars(2)));
        await outer.collection('vars').put(SAMPLES.vars(3));
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.deepEqual(await vars.list(), [SAMPLES.vars(0), SAMPLES.vars(1)], 'the nested write was rolled back with the outer one');
  });

  run(STORE_CASES.bulk, async ({ store }) => {
    const vms = store.collection('vms');
    const rows = range(1000).map(SAMPLES.vms);
    let started = performance.now();
    await vms.putMany(rows);
    let took = performance.now() - started;
    assert.ok(took < 5000, `putMany of 1000 new rows took ${Math.round(took)} ms`);
    assert.equal(await vms.count(), 1000);
    assert.deepEqual(await vms.get(keyOf('vms', rows[737]!)), rows[737]);

    // Part new, part updates, and one row that cannot be stored in the middle: nothing may land.
    const broken = [...range(500).map((i) => updatedSample('vms', i)), { ...SAMPLES.vms(2000), data: unstorable() }, ...range(100, 1000).map(SAMPLES.vms)];
    await assert.rejects(() => vms.putMany(broken), 'a batch with an unstorable row fails');
    assert.equal(await vms.count(), 1000, 'no new row of the failed batch landed');
    assert.deepEqual(await vms.list(), inKeyOrder('vms', rows), 'no update of the failed batch landed');

    const updates = range(1000).map((i) => updatedSample('vms', i));
    started = performance.now();
    await vms.putMany(updates);
    took = performance.now() - started;
    assert.ok(took < 5000, `putMany of 1000 upserts took ${Math.round(took)} ms`);
    assert.deepEqual(await vms.list(), inKeyOrder('vms', updates), 'every row was updated, none duplicated');
    await vms.putMany([]);
    assert.equal(await vms.count(), 1000, 'an empty putMany changes nothing');
  });

  run(STORE_CASES.counter, async ({ store }) => {
    assert.deepEqual([await store.nextCounter('a'), await store.nextCounter('a'), await store.nextCounter('a')], [1, 2, 3]);
    assert.equal(await store.nextCounter('b'), 1, 'another name starts at 1');
    assert.equal(await store.nextCounter('a'), 4, 'and does not move the first');
    assert.equal(await store.nextCounter('A'), 1, 'names are case-sensitive');
  });

  run(STORE_CASES.counterConcurrent, async ({ store }) => {
    const values = await Promise.all(range(50).map(() => store.nextCounter('parallel')));
    assert.equal(new Set(values).size, 50, `distinct values: ${values.join(',')}`);
    assert.deepEqual([...values].sort((a, b) => a - b), range(50, 1), 'no value skipped');
    assert.equal(await store.nextCounter('parallel'), 51);

    // Counters of two names interleaved with ordinary writes, all at once.
    const mixed = await Promise.all([
      ...range(20).map(async () => ['x', await store.nextCounter('x')] as const),
      ...range(20).map(async () => ['y', await store.nextCounter('y')] as const),
      ...range(20).map(async (i) => ['put', (await store.collection('vars').put(SAMPLES.vars(i)), i)] as const),
    ]);
    for (const name of ['x', 'y']) {
      const got = mixed.filter(([n]) => n === name).map(([, v]) => v).sort((a, b) => a - b);
      assert.deepEqual(got, range(20, 1), `counter ${name}`);
    }
    assert.equal(await store.collection('vars').count(), 20);
  });

  run(STORE_CASES.migrateInfo, async ({ store }) => {
    const empty = await store.info();
    assert.ok(empty.backend.length > 0 && empty.backend === store.backend, 'info names the backend');
    assert.equal(empty.location, store.location);
    assert.ok(Number.isInteger(empty.latestSchemaVersion) && empty.latestSchemaVersion >= 1);
    assert.equal(empty.schemaVersion, empty.latestSchemaVersion, 'a fresh store is fully migrated');
    assert.deepEqual(Object.keys(empty.counts).sort(), [...COLLECTION_NAMES].sort(), 'info counts every collection');
    for (const name of COLLECTION_NAMES) assert.equal(empty.counts[name], 0, `${name} starts empty`);

    const written = await fillAll(store, (index) => index + 1);
    const current = empty.latestSchemaVersion;
    assert.deepEqual(await store.migrate(), { from: current, to: current }, 'migrating a current store is a no-op');
    assert.deepEqual(await store.migrate(), { from: current, to: current }, 'and stays one');
    const info = await store.info();
    assert.equal(info.schemaVersion, current);
    assert.deepEqual(info.counts, Object.fromEntries(COLLECTION_NAMES.map((name) => [name, written.get(name)?.length])));
    for (const name of COLLECTION_NAMES) {
      assert.deepEqual(await store.collection(name).list(), inKeyOrder(name, written.get(name) as ROWS[typeof name][]), `${name} kept its rows`);
    }
  });

  run(STORE_CASES.reopen, async (ctx) => {
    if (!ctx.reopen) {
      ctx.t.skip('the factory gives no reopen (a backend without persistence)');
      return;
    }
    const written = await fillAll(ctx.store, () => 3);
    for (let i = 0; i < 3; i++) await ctx.store.nextCounter('persist');
    await assert.rejects(ctx.store.transaction(async (tx) => {
      await tx.collection('vars').put(SAMPLES.vars(50));
      throw new Error('rolled back before close');
    }));
    const reopened = await ctx.reopen();
    const info = await reopened.info();
    assert.equal(info.schemaVersion, info.latestSchemaVersion);
    for (const name of COLLECTION_NAMES) {
      const expected = [...(written.get(name) ?? [])];
      if (name === 'counters') expected.push({ name: 'persist', value: 3 });
      assert.deepEqual(await reopened.collection(name).list(), inKeyOrder(name, expected as ROWS[typeof name][]), `${name} survived`);
    }
    assert.equal(await reopened.collection('vars').get({ name: 'var-00050' }), undefined, 'a rolled-back write stays gone');
    assert.equal(await reopened.nextCounter('persist'), 4, 'a counter continues where it was');
    assert.deepEqual(await reopened.migrate(), { from: info.latestSchemaVersion, to: info.latestSchemaVersion });
  });
}
