/**
 * @module test/contracts/store.cases-write
 * Contract cases for the writes that can lose data when wrong: delete's guard against an empty filter,
 * delete by filter, replace's scope, and hostile text that an injectable store would execute or mangle.
 */
import assert from 'node:assert/strict';
import { COLLECTION_NAMES } from '../../src/core/collections.ts';
import type { ROWS } from '../../src/core/store.ts';
import { STORE_CASES, type RunCase } from './store.cases.ts';
import { SAMPLES, inKeyOrder, range, updatedSample } from './store.samples.ts';

/** Text that breaks string-built SQL, shell lines or a careless encoder. No NUL: PostgreSQL text cannot hold it. */
export const HOSTILE = [
  "it's",
  'say "hi"',
  "'); DROP TABLE vars;--",
  '"; DROP TABLE vms; --',
  "1' OR '1'='1",
  'a; b; c;',
  '$(touch /tmp/cm-pwned)',
  '`id`',
  '${process.exit(1)}',
  'line one\nline two\r\nline three\n',
  '\ttab and a trailing space ',
  'back\\slash \\\' \\" \\n',
  '100% _like_ [pattern] *glob?',
  'ünïcødé — ✓ 日本語 العربية עברית',
  'emoji 🚀👩‍👩‍👧 astral 𝔘𝔫𝔦',
  'combining e\u0301 beside \u00e9',
  '? $1 :name @p0 %s',
  '{"json": [1, null]}',
  'null',
  '',
];

export function writeCases(run: RunCase): void {
  run(STORE_CASES.deleteGuard, async ({ store }) => {
    const vars = store.collection('vars');
    const rows = [0, 1, 2].map(SAMPLES.vars);
    await vars.putMany(rows);
    await assert.rejects(() => vars.delete({}), 'an empty filter is refused');
    // A filter whose every value is undefined is empty too: `delete({ name: maybeName })` must not empty the table.
    await assert.rejects(() => vars.delete({ name: undefined }), 'a filter of undefined values is refused');
    assert.deepEqual(await vars.list(), rows, 'nothing was deleted');
  });

  run(STORE_CASES.deleteWhere, async ({ store }) => {
    const vms = store.collection('vms');
    const rows = range(12).map(SAMPLES.vms);
    await vms.putMany(rows);
    let left = rows;
    const expectDelete = async (where: Parameters<typeof vms.delete>[0], hit: (row: ROWS['vms']) => boolean) => {
      const expected = left.filter(hit).length;
      assert.equal(await vms.delete(where), expected, `delete ${JSON.stringify(where)} reports how many went`);
      left = left.filter((row) => !hit(row));
      assert.deepEqual(await vms.list(), inKeyOrder('vms', left), `exactly the matching rows went: ${JSON.stringify(where)}`);
    };
    await expectDelete({ cloud: 'cloud-1' }, (r) => r.cloud === 'cloud-1');
    await expectDelete({ status: ['status-0', 'status-1'] }, (r) => ['status-0', 'status-1'].includes(r.status));
    await expectDelete({ image: null, cloud: 'cloud-0' }, (r) => r.image === null && r.cloud === 'cloud-0');
    await expectDelete({ status: [] }, () => false);
    assert.ok(left.length > 0, 'the sample leaves rows behind to prove the filters were narrow');
  });

  run(STORE_CASES.replace, async ({ store }) => {
    const images = store.collection('images');
    // Samples 0, 3, 6 are in cloud-0 (the scope); 1, 2, 4, 5 elsewhere.
    const inside = [0, 3, 6].map(SAMPLES.images);
    const outside = [1, 2, 4, 5].map(SAMPLES.images);
    await images.putMany([...inside, ...outside]);
    const scope = { cloud: 'cloud-0' };
    const others = { cloud: ['cloud-1', 'cloud-2'] };
    assert.ok(inside.every((r) => r.cloud === 'cloud-0') && outside.every((r) => r.cloud !== 'cloud-0'));

    // 3 and 6 change, 0 goes, 9 (also cloud-0) is new. Every row given differs from the stored one, so the
    // counts do not depend on whether a backend counts an unchanged row as updated.
    const next = [updatedSample('images', 3), updatedSample('images', 6), SAMPLES.images(9)];
    assert.deepEqual(await images.replace(scope, next), { added: 1, updated: 2, removed: 1 });
    assert.deepEqual(await images.list({ where: scope }), inKeyOrder('images', next), 'the scope holds exactly the new rows');
    assert.deepEqual(await images.list({ where: others }), inKeyOrder('images', outside), 'rows outside the scope are untouched');

    const again = await images.replace(scope, next);
    assert.equal(again.added, 0, 'replacing with the same rows adds nothing');
    assert.equal(again.removed, 0, 'replacing with the same rows removes nothing');
    assert.equal(await images.count(), next.length + outside.length);

    // A replace that fails part-way leaves the scope as it was: one transaction.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const broken = [SAMPLES.images(12), { ...SAMPLES.images(15), data: circular }];
    await assert.rejects(() => images.replace(scope, broken), 'a row that cannot be stored fails the replace');
    assert.deepEqual(await images.list({ where: scope }), inKeyOrder('images', next), 'a failed replace changed nothing');

    assert.deepEqual(await images.replace(scope, []), { added: 0, updated: 0, removed: 3 });
    assert.equal(await images.count(scope), 0);
    assert.deepEqual(await images.list(), inKeyOrder('images', outside), 'emptying the scope leaves the rest');

    // A scope over two columns: only groups with both values are replaced.
    const groups = store.collection('groups');
    const members = range(8).map(SAMPLES.groups);
    await groups.putMany(members);
    const narrow = { name: 'group-0', member_kind: 'vm' };
    const kept = members.filter((m) => !(m.name === 'group-0' && m.member_kind === 'vm'));
    const fresh = { ...SAMPLES.groups(100), name: 'group-0', member_kind: 'vm' };
    const result = await groups.replace(narrow, [fresh]);
    assert.deepEqual(result, { added: 1, updated: 0, removed: members.length - kept.length });
    assert.deepEqual(await groups.list(), inKeyOrder('groups', [...kept, fresh]));
  });

  run(STORE_CASES.hostile, async ({ store }) => {
    // One row in every collection first: a successful injection would drop or empty one of them.
    for (const name of COLLECTION_NAMES) await store.collection(name).put(SAMPLES[name](500) as never);
    const vars = store.collection('vars');
    const vms = store.collection('vms');
    const varRows = HOSTILE.map((text, i) => ({ ...SAMPLES.vars(i), name: text, value: `${text}|${i}`, source: text }));
    const vmRows = HOSTILE.map((text, i) => ({
      ...SAMPLES.vms(i),
      cloud: text,
      name: text,
      image: text,
      data: { text, list: [text, { [text]: text }], [text]: null },
    }));
    for (const row of varRows) await vars.put(row);
    await vms.putMany(vmRows);

    assert.equal(await vars.count(), HOSTILE.length + 1, 'every distinct text is its own key');
    for (const [i, row] of varRows.entries()) {
      assert.deepEqual(await vars.get({ name: row.name }), row, `round trip of ${JSON.stringify(HOSTILE[i])}`);
      assert.deepEqual(await vars.list({ where: { value: row.value } }), [row], `filter on ${JSON.stringify(row.value)}`);
    }
    for (const row of vmRows) assert.deepEqual(await vms.get({ cloud: row.cloud, name: row.name }), row);
    assert.deepEqual(
      await vars.list({ where: { name: [HOSTILE[2]!, HOSTILE[4]!, 'absent'] }, orderBy: [{ column: 'value' }] }),
      [varRows[2], varRows[4]],
    );
    assert.equal(await vars.delete({ name: HOSTILE[2]! }), 1, 'the SQL-looking key deletes only itself');
    assert.equal(await vars.count(), HOSTILE.length);
    assert.equal(await store.nextCounter(HOSTILE[2]!), 1);
    assert.equal(await store.nextCounter(HOSTILE[3]!), 1);
    assert.equal(await store.nextCounter(HOSTILE[2]!), 2);

    const info = await store.info();
    for (const name of COLLECTION_NAMES) {
      const expected = name === 'vars' ? HOSTILE.length : name === 'vms' ? HOSTILE.length + 1 : name === 'counters' ? 3 : 1;
      assert.equal(info.counts[name], expected, `collection ${name} is intact`);
    }
  });
}
