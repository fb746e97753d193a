/**
 * @module test/contracts/store.cases-data
 * Contract cases for reading and writing rows: the round trip of every column of every collection, and
 * list's filters, ordering and paging. Expected results are computed in JavaScript from the same samples,
 * so each assertion compares the store against an independent answer.
 */
import assert from 'node:assert/strict';
import type { CollectionName, ListQuery, ROWS, Store, Where } from '../../src/core/store.ts';
import { STORE_CASES, type RunCase } from './store.cases.ts';
import { writeCases } from './store.cases-write.ts';
import { SAMPLES, inKeyOrder, keyOf, range, sortRows, updatedSample, valueColumns } from './store.samples.ts';

export function dataCases(run: RunCase, names: readonly CollectionName[]): void {
  for (const name of names) run(STORE_CASES.crud(name), ({ store }) => crud(store, name));

  run(STORE_CASES.filters, async ({ store }) => {
    const vms = store.collection('vms');
    const rows = range(12).map(SAMPLES.vms);
    await vms.putMany(rows);
    const expectList = async (where: Where<ROWS['vms']>, keep: (row: ROWS['vms']) => boolean, what: string) => {
      const expected = inKeyOrder('vms', rows.filter(keep));
      assert.deepEqual(await vms.list({ where }), expected, what);
      assert.equal(await vms.count(where), expected.length, `count: ${what}`);
    };
    await expectList({ cloud: 'cloud-1' }, (r) => r.cloud === 'cloud-1', 'equality');
    await expectList({ status: ['status-0', 'status-3'] }, (r) => ['status-0', 'status-3'].includes(r.status), 'membership');
    await expectList({ image: null }, (r) => r.image === null, 'null');
    await expectList(
      { cloud: ['cloud-0', 'cloud-2'], image: null, status: ['status-1', 'status-3'] },
      (r) => ['cloud-0', 'cloud-2'].includes(r.cloud) && r.image === null && ['status-1', 'status-3'].includes(r.status),
      'membership, null and equality combined',
    );
    await expectList({ cloud: 'cloud-1', name: 'vm-00004' }, (r) => r.name === 'vm-00004', 'by full key');
    await expectList({ status: [] }, () => false, 'membership in an empty list matches nothing');
    await expectList({ cloud: 'no-such-cloud' }, () => false, 'no match');
    // The sample filters must select a real subset, or the checks above prove little.
    assert.ok((await vms.count({ image: null })) > 0 && (await vms.count({ image: null })) < rows.length);

    // Numbers filter as numbers, including 0, and null stays distinct from 0.
    const flavors = store.collection('flavors');
    const sizes = range(10).map(SAMPLES.flavors);
    await flavors.putMany(sizes);
    assert.deepEqual(await flavors.list({ where: { vcpus: 0 } }), inKeyOrder('flavors', sizes.filter((f) => f.vcpus === 0)));
    assert.deepEqual(await flavors.list({ where: { vcpus: [2, 4, 8] } }), inKeyOrder('flavors', sizes.filter((f) => [2, 4, 8].includes(f.vcpus ?? -1))));
    assert.deepEqual(await flavors.list({ where: { vcpus: null } }), inKeyOrder('flavors', sizes.filter((f) => f.vcpus === null)));
  });

  run(STORE_CASES.order, async ({ store }) => {
    const vms = store.collection('vms');
    const rows = range(15).map(SAMPLES.vms);
    // Written out of key order, so a store returning insertion order fails.
    await vms.putMany([...rows].reverse());
    await vms.put(SAMPLES.vms(7));
    assert.deepEqual(await vms.list(), inKeyOrder('vms', rows), 'key order by default');
    const orders: NonNullable<ListQuery<ROWS['vms']>['orderBy']>[] = [
      [{ column: 'status', direction: 'desc' }, { column: 'cloud' }, { column: 'name', direction: 'desc' }],
      [{ column: 'cloud', direction: 'asc' }, { column: 'status', direction: 'asc' }, { column: 'id', direction: 'asc' }],
      [{ column: 'id', direction: 'desc' }],
    ];
    for (const orderBy of orders) {
      const listed = await vms.list({ orderBy });
      assert.deepEqual(listed.map((r) => r.name), sortRows(rows, orderBy).map((r) => r.name), JSON.stringify(orderBy));
    }
    const filtered = await vms.list({ where: { cloud: 'cloud-2' }, orderBy: [{ column: 'name', direction: 'desc' }] });
    assert.deepEqual(filtered.map((r) => r.name), sortRows(rows.filter((r) => r.cloud === 'cloud-2'), [{ column: 'name', direction: 'desc' }]).map((r) => r.name));
  });

  run(STORE_CASES.paging, async ({ store }) => {
    const vars = store.collection('vars');
    const rows = range(23).map(SAMPLES.vars);
    await vars.putMany(rows);
    const orderBy = [{ column: 'name' as const, direction: 'desc' as const }];
    const full = await vars.list({ orderBy });
    assert.deepEqual(full, sortRows(rows, orderBy));
    const pages: ROWS['vars'][][] = [];
    for (let offset = 0; offset < full.length; offset += 5) pages.push(await vars.list({ orderBy, limit: 5, offset }));
    assert.deepEqual(pages.map((page) => page.length), [5, 5, 5, 5, 3]);
    const names = pages.flat().map((r) => r.name);
    assert.equal(new Set(names).size, names.length, 'pages are disjoint');
    assert.deepEqual(pages.flat(), full, 'pages together are the full list, in order');
    assert.deepEqual(await vars.list({ orderBy, offset: 10 }), full.slice(10), 'offset without limit');
    assert.deepEqual(await vars.list({ offset: 20 }), inKeyOrder('vars', rows).slice(20), 'offset alone, key order');
    assert.deepEqual(await vars.list({ orderBy, limit: 4 }), full.slice(0, 4), 'limit without offset');
    assert.deepEqual(await vars.list({ orderBy, limit: 100, offset: 21 }), full.slice(21), 'a limit past the end');
    assert.deepEqual(await vars.list({ orderBy, offset: 23 }), [], 'an offset past the end');
    const some = ['var-00003', 'var-00009', 'var-00011', 'var-00020'];
    assert.deepEqual((await vars.list({ where: { name: some }, orderBy, limit: 2, offset: 1 })).map((r) => r.name), ['var-00011', 'var-00009']);
  });

  writeCases(run);
}

async function crud<K extends CollectionName>(store: Store, name: K): Promise<void> {
  const collection = store.collection(name);
  const sample = SAMPLES[name] as (i: number) => ROWS[K];
  const cell = (row: ROWS[K] | undefined, column: string) => (row as Record<string, unknown> | undefined)?.[column];
  // Even and odd samples: nullable columns are set in one and null in the other.
  const rows = range(4).map(sample);
  assert.equal(await collection.count(), 0, 'a fresh store is empty');
  for (const row of rows) await collection.put(row);
  assert.equal(await collection.count(), rows.length);
  for (const row of rows) {
    const got = await collection.get(keyOf(name, row));
    // Strict deep equality: '3' is not 3, undefined is not null, JSON comes back as the same object.
    assert.deepEqual(got, row, `get returns the row as put: ${JSON.stringify(keyOf(name, row))}`);
  }
  assert.equal(await collection.get(keyOf(name, sample(99))), undefined, 'an absent key gives undefined');
  assert.deepEqual(await collection.list(), inKeyOrder(name, rows));

  for (const i of [1, 2]) {
    const changed = updatedSample(name, i);
    for (const column of valueColumns(name)) {
      assert.notDeepEqual(cell(changed, column), cell(rows[i], column), `the update sample changes ${column}`);
    }
    await collection.put(changed);
    assert.deepEqual(await collection.get(keyOf(name, changed)), changed, `upsert replaced every non-key column of row ${i}`);
    assert.equal(await collection.count(), rows.length, 'an upsert does not add a row');
  }
  assert.deepEqual(await collection.get(keyOf(name, rows[0]!)), rows[0], 'other rows are untouched');
  assert.deepEqual(await collection.get(keyOf(name, rows[3]!)), rows[3], 'other rows are untouched');

  assert.equal(await collection.delete(keyOf(name, rows[0]!)), 1, 'delete by key removes one row');
  assert.equal(await collection.get(keyOf(name, rows[0]!)), undefined, 'a deleted row is gone');
  assert.equal(await collection.count(), rows.length - 1);
  assert.equal(await collection.delete(keyOf(name, rows[0]!)), 0, 'deleting it again finds nothing');
  await collection.put(rows[0]!);
  assert.deepEqual(await collection.get(keyOf(name, rows[0]!)), rows[0], 'a deleted key can be written again');
}
