/**
 * Tests of the MongoDB store on a real server: the shared Store contract (the same cases as SQLite,
 * PostgreSQL and MySQL), 8 processes writing at once, and a database from a newer cloudmesh. No MongoDB
 * server can run on the project's machines, so all of it runs only when CM_MONGO_URL names one
 * (e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0 — a replica set, for transactions) and is otherwise
 * reported as skipped with that reason. Every test works in its own new database, dropped afterwards.
 * What runs always: map.test.ts (the pure mapping) and the unreachable-server checks below and in
 * test/integration/db-unreachable.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { UserError } from '../../core/errors.ts';
import { STORE_CASES, storeContract } from '../../../test/contracts/store.contract.ts';
import { checkConcurrentWriters, killLiveWorkers, startWorker } from '../../../test/contracts/store-workers.ts';
import { LATEST_MONGO_VERSION } from './migrations.ts';
import { openMongoStore } from './index.ts';

const SERVER = process.env['CM_MONGO_URL'];
const FIXTURE = fileURLToPath(new URL('./mongo-writer.fixture.ts', import.meta.url));
const PREFIX = `cm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const PASSWORD = 'Sekr3t-pa55word';
const allText = (error: unknown) => inspect(error, { depth: 10, showHidden: true });

test('an unreachable MongoDB server is a clear error naming the host, without the password', async () => {
  await assert.rejects(openMongoStore({ url: `mongodb://cm:${PASSWORD}@127.0.0.1:1/cm?serverSelectionTimeoutMS=1000` }), (error) => {
    assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.match(error.message, /^cannot connect to MongoDB at 127\.0\.0\.1:1/);
    assert.ok(!allText(error).includes(PASSWORD));
    return true;
  });
});

let serial = 0;
/** CM_MONGO_URL with its database replaced by a new one. */
function databaseUrl(): { name: string; url: string } {
  const name = `${PREFIX}_${++serial}`;
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?#]*)(?:\/[^?#]*)?(\?.*)?$/.exec(SERVER!.trim());
  if (!match) throw new Error('CM_MONGO_URL is not a mongodb:// connection string');
  return { name, url: `${match[1]}/${name}${match[2] ?? ''}` };
}

async function dropDatabase(name: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(SERVER!);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

if (!SERVER) {
  test('MongoDB store: Store contract, 8 concurrent writers, newer schema', (t) => t.skip('no MongoDB server: set CM_MONGO_URL (a replica set, for transactions) to run the MongoDB conformance suite'));
} else {
  after(killLiveWorkers);

  // A standalone server has no multi-document transactions (see index.ts): the rollback cases cannot hold there.
  const { MongoClient } = await import('mongodb');
  const probe = new MongoClient(SERVER, { serverSelectionTimeoutMS: 10_000 });
  const hello = await probe.db('admin').command({ hello: 1 }).finally(() => probe.close());
  const standalone = typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid';
  const noTransactions = 'a standalone MongoDB server has no multi-document transactions (documented in src/store/mongo/index.ts); use a replica set';
  storeContract('mongo', async () => {
    const { name, url } = databaseUrl();
    return {
      store: await openMongoStore({ url }),
      reopen: (scope) => openMongoStore({ url, ...(scope ? { scope } : {}) }),
      cleanup: () => dropDatabase(name),
    };
  }, standalone ? { skip: { [STORE_CASES.rollback]: noTransactions, [STORE_CASES.nested]: noTransactions } } : {});

  describe('mongo store across processes and versions', () => {
    test('8 processes writing at once lose no row and never repeat a counter value', { timeout: 60_000 }, async (t) => {
      const { name, url } = databaseUrl();
      try {
        await (await openMongoStore({ url })).close();
        const { ms } = await checkConcurrentWriters((id) => startWorker(FIXTURE, ['write', url, String(id)], `worker ${id}`), () => openMongoStore({ url }));
        t.diagnostic(`mongo: 8 × 25 writes + 25 counters each in ${ms} ms, 0 lost`);
      } finally {
        await dropDatabase(name);
      }
    });

    test('a database from a newer cloudmesh is refused with its version and not changed', async () => {
      const { name, url } = databaseUrl();
      try {
        const store = await openMongoStore({ url });
        await store.collection('vars').put({ name: 'mine', value: 'v', source: 'user', seen_at: '2024-01-01T00:00:00Z' });
        await store.close();
        const { MongoClient } = await import('mongodb');
        const client = new MongoClient(SERVER);
        try {
          await client.db(name).collection<{ _id: number }>('cm_schema').insertOne({ _id: 999, name: 'from the future', applied_at: '2099-01-01T00:00:00Z' } as never);
          const before = await client.db(name).collection('vars').find({}, { projection: { _id: 0 } }).toArray();
          await assert.rejects(openMongoStore({ url }), (error) => {
            assert.ok(error instanceof UserError);
            assert.match(error.message, /schema version 999/);
            assert.ok(error.message.includes(`(${LATEST_MONGO_VERSION})`));
            assert.match(error.message, /nothing was changed/);
            return true;
          });
          assert.deepEqual(await client.db(name).collection('vars').find({}, { projection: { _id: 0 } }).toArray(), before);
        } finally {
          await client.close();
        }
      } finally {
        await dropDatabase(name);
      }
    });
  });
}
