/**
 * Tests of the PostgreSQL store on a real server: the shared Store contract, then what only a server has —
 * several processes writing and migrating at once (postgres-writer.fixture.ts), errors that must name
 * the server but never the password, and a database from a newer cloudmesh. Every test works in its own
 * new database (cm_test_<pid>_<random>_<n>), dropped afterwards, so parallel runs never meet.
 *
 * Server: $CM_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test (any database the user
 * may connect to; the user needs CREATEDB). When it cannot be reached every test here is skipped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkConcurrentWriters, expectClean, killLiveWorkers, startTogether, startWorker as startWorker_, type Worker } from '../../../test/contracts/store-workers.ts';
import { inspect } from 'node:util';
import pg from 'pg';
import { UserError } from '../../core/errors.ts';
import { storeContract } from '../../../test/contracts/store.contract.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../sql/migrations.ts';
import { openPostgresStore } from './index.ts';

const ADMIN_URL = process.env['CM_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const FIXTURE = fileURLToPath(new URL('./postgres-writer.fixture.ts', import.meta.url));
const PREFIX = `cm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const PASSWORD = 'Sekr3t-pa55word';

/** Run `fn` on a fresh admin connection (a short connect timeout, so an unreachable server skips fast). */
async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let serial = 0;
/** A new empty database and its URL; `password` is put in the URL (trust auth ignores it). */
async function createDatabase(password?: string): Promise<{ name: string; url: string }> {
  const name = `${PREFIX}_${++serial}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (password) url.password = password;
  return { name, url: url.href };
}

async function dropDatabase(name: string): Promise<void> {
  // FORCE: a connection a failed test left open must not keep the database alive.
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Every table of a database with its rows, read directly: to prove a refused open changed nothing. */
async function snapshot(url: string): Promise<Record<string, unknown[]>> {
  return admin(async (c) => {
    const tables = (await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map((r) => String(r.tablename));
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = (await c.query(`SELECT * FROM "${table}" ORDER BY 1`)).rows;
    return out;
  }, url);
}

/** An error as fully as Node prints it (message, stack, hint, properties, causes): for "never shows the password". */
const allText = (error: unknown) => inspect(error, { depth: 10, showHidden: true });

function startWorker(mode: 'open' | 'write' | 'linger', url: string, id = 0): Worker {
  return startWorker_(FIXTURE, [mode, url, String(id)], `worker ${id} (${mode})`);
}

// Only a server that cannot be reached skips the tests; one that answers but refuses us is a failure.
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const probe = await admin((c) => c.query('SELECT 1')).then(() => undefined, (error: Error & { code?: string }) => error);
const unreachable = probe && (NETWORK.has(probe.code ?? '') || /timeout/i.test(probe.message))
  ? `PostgreSQL is not reachable at ${new URL(ADMIN_URL).host} (${probe.code ?? probe.message}); set CM_TEST_POSTGRES_URL`
  : undefined;

if (unreachable) {
  test('PostgreSQL store', (t) => t.skip(unreachable));
} else if (probe) {
  test('PostgreSQL store: the test server answers and lets the test user in', () => {
    throw probe;
  });
} else {
  after(async () => {
    // Nothing of ours may outlive the tests, whatever failed: no worker, no database.
    killLiveWorkers();
    const all = await admin((c) => c.query('SELECT datname FROM pg_database'));
    for (const name of all.rows.map((r) => String(r.datname)).filter((n) => n.startsWith(`${PREFIX}_`))) await dropDatabase(name);
  });

  storeContract('postgres', async () => {
    const { name, url } = await createDatabase();
    return {
      store: await openPostgresStore({ url }),
      reopen: (scope) => openPostgresStore({ url, ...(scope ? { scope } : {}) }),
      cleanup: () => dropDatabase(name),
    };
  });

  describe('postgres store across processes', () => {
    test('8 processes writing at once lose no row and never repeat a counter value', { timeout: 40_000 }, async (t) => {
      const { name, url } = await createDatabase();
      try {
        await (await openPostgresStore({ url })).close();
        const { ms } = await checkConcurrentWriters((id) => startWorker('write', url, id), () => openPostgresStore({ url }));
        t.diagnostic(`postgres: 8 × 25 writes + 25 counters each in ${ms} ms, 0 lost`);
      } finally {
        await dropDatabase(name);
      }
    });

    test('4 processes opening a new database at the same moment all migrate it, once', { timeout: 40_000 }, async () => {
      // Two rounds: the race is short and one round may happen to serialise.
      for (const round of [1, 2]) {
        const { name, url } = await createDatabase();
        try {
          const workers = await startTogether(4, (id) => startWorker('open', url, id));
          const opened = await Promise.all(workers.map((w) => w.next('opened')));
          for (const [id, w] of workers.entries()) await expectClean(w, `opener ${id} in round ${round}`);
          for (const message of opened) assert.equal(message.version, LATEST_SCHEMA_VERSION);
          const tables = await snapshot(url);
          assert.deepEqual(tables['cm_schema']?.map((r) => (r as { version: number }).version), MIGRATIONS.map((m) => m.version), 'each migration recorded once');
          assert.ok(['vars', 'vms', 'jobs', 'counters', 'audit'].every((t) => t in tables), 'the collections exist');
        } finally {
          await dropDatabase(name);
        }
      }
    });

    test('a process that ends without closing the store still exits promptly', { timeout: 20_000 }, async () => {
      const { name, url } = await createDatabase();
      try {
        const [worker] = await startTogether(1, () => startWorker('linger', url));
        await worker!.next('written');
        const started = Date.now();
        await expectClean(worker!, 'the lingering process');
        assert.ok(Date.now() - started < 5_000, `it took ${Date.now() - started} ms to exit after its last write`);
      } finally {
        await dropDatabase(name);
      }
    });
  });

  describe('postgres store errors and versions', () => {
    test('an unreachable server is a clear error naming host:port, without the password', async () => {
      await assert.rejects(openPostgresStore({ url: `postgres://postgres:${PASSWORD}@127.0.0.1:1/test` }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.match(error.message, /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
        assert.ok(error.hint, 'with a hint');
        assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
        return true;
      });
    });

    test('a database that does not exist is a clear error, without the password', async () => {
      const url = new URL(ADMIN_URL);
      url.pathname = `/${PREFIX}_missing`;
      url.password = PASSWORD;
      await assert.rejects(openPostgresStore({ url: url.href }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.ok(error.message.includes(`database ${PREFIX}_missing does not exist`), error.message);
        assert.ok(error.message.includes(url.host), 'names the server');
        assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
        return true;
      });
    });

    // The role .ci/databases.sh creates with a scram rule in pg_hba.conf (every other login here is trusted).
    const passwordRole = 'cm_password_test';
    const withPassword = (password: string) => {
      const url = new URL(ADMIN_URL);
      url.username = passwordRole;
      url.password = password;
      return url.href;
    };
    test('a wrong password is a clear error naming the user, and never shows the password', async (t) => {
      const unchecked = await admin((c) => c.query('SELECT 1'), withPassword('surely-not-the-password')).then(
        () => `user ${passwordRole} logs in with any password: pg_hba.conf trusts it (run .ci/databases.sh)`,
        (error: Error) => (/password authentication failed/.test(error.message) ? undefined : `user ${passwordRole} is not set up (${error.message}); run .ci/databases.sh`),
      );
      if (unchecked) {
        t.skip(unchecked);
        return;
      }
      await assert.rejects(openPostgresStore({ url: withPassword(PASSWORD) }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.match(error.message, new RegExp(`refused the password of user ${passwordRole}`));
        assert.match(error.hint ?? '', /check the user and password in database\.url/);
        assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
        return true;
      });
      // The right one opens (and the error above was not something else).
      await (await openPostgresStore({ url: withPassword('cm-right-password'), migrate: false })).close();
    });

    test('a malformed URL is refused without repeating it', async () => {
      for (const url of [`postgres://user:${PASSWORD}@[::1/x`, `mysql://user:${PASSWORD}@127.0.0.1/test`]) {
        await assert.rejects(openPostgresStore({ url }), (error) => {
          assert.ok(error instanceof UserError, `${url}: a UserError`);
          assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
          return true;
        });
      }
    });

    test('location masks the password, in the userinfo and in ?password=', async () => {
      const { name, url } = await createDatabase(PASSWORD);
      try {
        const withParam = new URL(url);
        withParam.searchParams.set('password', PASSWORD);
        withParam.searchParams.set('application_name', 'cm-test');
        const store = await openPostgresStore({ url: withParam.href });
        try {
          assert.ok(!store.location.includes(PASSWORD), store.location);
          assert.match(store.location, /^postgres:\/\/postgres:\*+@[^/]+\/cm_test_.*password=\*+/);
          assert.equal((await store.info()).location, store.location);
        } finally {
          await store.close();
        }
      } finally {
        await dropDatabase(name);
      }
    });

    test('a database from a newer cloudmesh is refused with its version and not changed', async () => {
      const { name, url } = await createDatabase(PASSWORD);
      try {
        const store = await openPostgresStore({ url });
        await store.collection('vars').put({ name: 'mine', value: 'v', source: 'user', seen_at: '2024-01-01T00:00:00Z' });
        await store.nextCounter('kept');
        await store.close();
        await admin((c) => c.query(`INSERT INTO cm_schema (version, name, applied_at) VALUES (999, 'from the future', '2099-01-01T00:00:00Z')`), url);
        const before = await snapshot(url);

        await assert.rejects(openPostgresStore({ url }), (error) => {
          assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}`);
          assert.match(error.message, /schema version 999/);
          assert.ok(error.message.includes(`(${LATEST_SCHEMA_VERSION})`), 'the message says which version this cloudmesh understands');
          assert.match(error.message, /nothing was changed/);
          assert.match(error.hint ?? '', /upgrade cloudmesh/);
          assert.ok(!allText(error).includes(PASSWORD), 'the location in the message masks the password');
          return true;
        });
        assert.deepEqual(await snapshot(url), before, 'every table has exactly the rows it had');
      } finally {
        await dropDatabase(name);
      }
    });
  });
}
