/**
 * Unit tests of the MongoDB store's pure mapping (map.ts): these run always, with no server. The store
 * itself is tested by the Store contract in mongo.test.ts, which needs CM_MONGO_URL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { COLLECTIONS, COLLECTION_NAMES, type CollectionLayout } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import { SAMPLES, range } from '../../../test/contracts/store.samples.ts';
import { HOSTILE } from '../../../test/contracts/store.cases-write.ts';
import { LATEST_SCHEMA_VERSION } from '../sql/migrations.ts';
import { ownerRule } from '../scope.ts';
import { fromDocument, keyFilter, keyIndex, parseMongoUrl, redact, toDocument, toFilter, toSort } from './map.ts';
import { LATEST_MONGO_VERSION } from './migrations.ts';

const layout = <K extends keyof typeof COLLECTIONS>(name: K) => COLLECTIONS[name] as unknown as CollectionLayout<Record<string, unknown>>;

test('the MongoDB schema versions follow the SQL ones (an export means the same rows everywhere)', () => {
  assert.equal(LATEST_MONGO_VERSION, LATEST_SCHEMA_VERSION);
});

test('every sample row of every collection survives toDocument → fromDocument exactly', () => {
  for (const name of COLLECTION_NAMES) {
    for (const i of range(4)) {
      const row = SAMPLES[name](i) as unknown as Record<string, unknown>;
      const doc = toDocument(layout(name), row);
      assert.deepEqual(fromDocument(layout(name), { _id: 'server id', ...doc }), row, `${name} ${i}`);
      for (const json of layout(name).json) assert.equal(typeof doc[json], 'string', `${name}.${json} is kept as JSON text`);
    }
  }
});

test('hostile text and operator-like JSON keys round-trip and never become operators', () => {
  for (const text of HOSTILE) {
    const row = { ...SAMPLES.vms(1), name: text, data: { [text]: text, $set: { 'a.b': text } } } as unknown as Record<string, unknown>;
    assert.deepEqual(fromDocument(layout('vms'), toDocument(layout('vms'), row)), row);
  }
  const filter = toFilter(layout('vars'), { name: '{"$gt": ""}', value: ['$ne', 'x'] });
  assert.deepEqual(filter, { name: { $eq: '{"$gt": ""}' }, value: { $in: ['$ne', 'x'] } });
});

test('a row that cannot be stored fails while mapping, before any write', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.throws(() => toDocument(layout('images'), { ...SAMPLES.images(1), data: circular }), /circular/i);
});

test('filters: equality, membership, null, numbers and JSON columns as the SQL stores compare them', () => {
  assert.deepEqual(toFilter(layout('vms'), {}), {});
  assert.deepEqual(toFilter(layout('vms'), { cloud: 'c', image: null, status: ['a', 'b'], name: undefined }), {
    cloud: { $eq: 'c' }, image: { $eq: null }, status: { $in: ['a', 'b'] },
  });
  assert.deepEqual(toFilter(layout('flavors'), { vcpus: 0 }), { vcpus: { $eq: 0 } });
  assert.deepEqual(toFilter(layout('vms'), { status: [] }), { status: { $in: [] } });
  assert.deepEqual(toFilter(layout('vms'), { data: { a: 1 } }), { data: { $eq: '{"a":1}' } });
  assert.throws(() => toFilter(layout('vms'), { nope: 1 } as never), /no column nope/);
});

test('owners: written with each row, part of its key filter, and limiting every filter', () => {
  const scope = { user: 'alice', machine: 'alice@laptop:/h', machineClusters: ['local'] };
  const jobs = ownerRule('jobs', scope)!;
  const local = { ...SAMPLES.jobs(1), cluster: 'local' } as unknown as Record<string, unknown>;
  const remote = { ...SAMPLES.jobs(1), cluster: 'hpc' } as unknown as Record<string, unknown>;
  assert.equal(toDocument(layout('jobs'), local, jobs).owner, 'alice@laptop:/h');
  assert.equal(toDocument(layout('jobs'), remote, jobs).owner, 'alice');
  assert.deepEqual(keyFilter(layout('jobs'), remote, jobs), { owner: 'alice', cluster: 'hpc', id: remote.id });
  assert.deepEqual(toFilter(layout('jobs'), { state: 'RUNNING' }, jobs), { owner: { $in: ['alice', 'alice@laptop:/h'] }, state: { $eq: 'RUNNING' } });
  assert.deepEqual(toFilter(layout('vars'), {}, ownerRule('vars', undefined)), { owner: { $in: [''] } });
  assert.equal(ownerRule('audit', scope), undefined, 'the audit log is shared');
  assert.equal(ownerRule('counters', scope), undefined, 'counters are shared');
  assert.deepEqual(keyIndex(layout('groups'), true), { owner: 1, name: 1, member_kind: 1, member: 1 });
  assert.deepEqual(keyIndex(layout('counters'), false), { name: 1 });
  const back = fromDocument(layout('jobs'), toDocument(layout('jobs'), local, jobs));
  assert.deepEqual(back, local, 'the owner never shows in a row');
});

test('sort: the given order, or the key ascending', () => {
  assert.deepEqual(toSort(layout('vms')), [['cloud', 1], ['name', 1]]);
  assert.deepEqual(toSort(layout('vms'), [{ column: 'status', direction: 'desc' }, { column: 'id' }]), [['status', -1], ['id', 1]]);
  assert.throws(() => toSort(layout('vms'), [{ column: 'nope' as never }]), /no column/);
});

test('connection strings: seed lists, SRV, options; the password masked everywhere', () => {
  const t = parseMongoUrl('mongodb://admin:p%40ss:w0rd@db1.example.org:27017,db2.example.org:27018/cm?replicaSet=rs0&authSource=admin');
  assert.equal(t.database, 'cm');
  assert.equal(t.user, 'admin');
  assert.equal(t.hosts, 'db1.example.org:27017,db2.example.org:27018');
  assert.equal(t.location, 'mongodb://admin:********@db1.example.org:27017,db2.example.org:27018/cm?replicaSet=rs0&authSource=admin');
  assert.ok(t.secrets.includes('p%40ss:w0rd') && t.secrets.includes('p@ss:w0rd'));
  assert.equal(redact('failed for p@ss:w0rd and p%40ss:w0rd', t.secrets), 'failed for ******** and ********');
  assert.equal(parseMongoUrl('mongodb+srv://cm@cluster0.example.net/').database, 'cloudmesh', 'no database: cloudmesh');
  assert.equal(parseMongoUrl('mongodb://[::1]:27017/x').hosts, '[::1]:27017');
  assert.equal(parseMongoUrl('mongodb://h/x?tlsCertificateKeyFilePassword=hunter2').location, 'mongodb://h/x?tlsCertificateKeyFilePassword=********');
});

test('malformed connection strings are refused without repeating them', () => {
  const secret = 'Sekr3t-pa55';
  for (const [text, pattern] of [
    [`postgres://u:${secret}@h/db`, /must start with mongodb:\/\/ or mongodb\+srv:\/\/, not postgres:\/\//],
    [`mongodb://u:${secret}@/db`, /names no MongoDB host/],
    [`mongodb://u:${secret}@h:port/db`, /invalid host list/],
    [`mongodb://u:${secret}@h/bad.name`, /invalid MongoDB database name/],
    [`not a url ${secret}`, /not a valid MongoDB connection string/],
  ] as const) {
    assert.throws(() => parseMongoUrl(text), (error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, pattern);
      assert.ok(!inspect(error, { depth: 5 }).includes(secret), `no password in: ${error.message}`);
      return true;
    });
  }
});
