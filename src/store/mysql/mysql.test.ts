/**
 * Tests of the MySQL / MariaDB store on a real server: the shared Store contract, then what only a server
 * has — several processes writing and migrating at once (mysql-writer.fixture.ts), errors that must name
 * the server but never the password, case- and space-exact keys, and a database from a newer cloudmesh.
 * Every test works in its own new database (cm_test_<pid>_<random>_<n>), dropped afterwards, so parallel
 * runs never meet.
 *
 * Server: $CM_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/test (a user that may CREATE and DROP
 * databases). When it cannot be reached every test here is skipped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkConcurrentWriters, expectClean, killLiveWorkers, startTogether, startWorker as startWorker_, type Worker } from '../../../test/contracts/store-workers.ts';
import { inspect } from 'node:util';
import mysql from 'mysql2/promise';
import { UserError } from '../../core/errors.ts';
import { storeContract } from '../../../test/contracts/store.contract.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../sql/migrations.ts';
import { openMysqlStore } from './index.ts';

const ADMIN_URL = process.env['CM_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const FIXTURE = fileURLToPath(new URL('./mysql-writer.fixture.ts', import.meta.url));
const PREFIX = `cm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const PASSWORD = 'Sekr3t-pa55word';

/** Run `fn` on a fresh admin connection (a short connect timeout, so an unreachable server skips fast). */
async function admin<T>(fn: (c: mysql.Connection) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(ADMIN_URL);
  const connection = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password) || undefined,
    database: database ?? decodeURIComponent(url.pathname.slice(1)),
    connectTimeout: 5_000,
  });
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

/** The URL of `database` on the test server, with `password` in it when given. */
function urlOf(database: string, password?: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  if (password) url.password = password;
  return url.href;
}

let serial = 0;
/** A new empty database and its URL. */
async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `${PREFIX}_${++serial}`;
  await admin((c) => c.query(`CREATE DATABASE \`${name}\``));
  return { name, url: urlOf(name) };
}

async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
}

/** Every table of a database with its rows, read directly: to prove a refused open changed nothing. */
async function snapshot(database: string): Promise<Record<string, unknown[]>> {
  return admin(async (c) => {
    const [tables] = await c.query('SHOW TABLES');
    const out: Record<string, unknown[]> = {};
    for (const row of tables as Record<string, unknown>[]) {
      const table = String(Object.values(row)[0]);
      out[table] = (await c.query(`SELECT * FROM \`${table}\` ORDER BY 1`))[0] as unknown[];
    }
    return out;
  }, database);
}

/** An error as fully as Node prints it (message, stack, hint, properties, causes): for "never shows the password". */
const allText = (error: unknown) => inspect(error, { depth: 10, showHidden: true });

function startWorker(mode: 'open' | 'write', url: string, id = 0): Worker {
  return startWorker_(FIXTURE, [mode, url, String(id)], `worker ${id} (${mode})`);
}

// Only a server that cannot be reached skips the tests; one that answers but refuses us is a failure.
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const probe = await admin((c) => c.query('SELECT 1')).then(() => undefined, (error: Error & { code?: string }) => error);
const unreachable = probe && (NETWORK.has(probe.code ?? '') || /timeout/i.test(probe.message))
  ? `MySQL is not reachable at ${new URL(ADMIN_URL).host} (${probe.code ?? probe.message}); set CM_TEST_MYSQL_URL`
  : undefined;

if (unreachable) {
  test('MySQL store', (t) => t.skip(unreachable));
} else if (probe) {
  test('MySQL store: the test server answers and lets the test user in', () => {
    throw probe;
  });
} else {
  after(async () => {
    // Nothing of ours may outlive the tests, whatever failed: no worker, no database.
    killLiveWorkers();
    const [rows] = await admin((c) => c.query('SHOW DATABASES'));
    for (const row of rows as Record<string, unknown>[]) {
      const name = String(Object.values(row)[0]);
      if (name.startsWith(`${PREFIX}_`)) await dropDatabase(name);
    }
  });

  storeContract('mysql', async () => {
    const { name, url } = await createDatabase();
    return {
      store: await openMysqlStore({ url }),
      reopen: (scope) => openMysqlStore({ url, ...(scope ? { scope } : {}) }),
      cleanup: () => dropDatabase(name),
    };
  });

  describe('mysql store across processes', () => {
    test('8 processes writing at once lose no row and never repeat a counter value', { timeout: 40_000 }, async (t) => {
      const { name, url } = await createDatabase();
      try {
        await (await openMysqlStore({ url })).close();
        const { ms } = await checkConcurrentWriters((id) => startWorker('write', url, id), () => openMysqlStore({ url }));
        t.diagnostic(`mysql: 8 × 25 writes + 25 counters each in ${ms} ms, 0 lost`);
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
          const tables = await snapshot(name);
          assert.deepEqual(tables['cm_schema']?.map((r) => (r as { version: number }).version), MIGRATIONS.map((m) => m.version), 'each migration recorded once');
          assert.ok(['vars', 'vms', 'jobs', 'counters', 'audit'].every((t) => t in tables), 'the collections exist');
        } finally {
          await dropDatabase(name);
        }
      }
    });
  });

  describe('mysql store keys, errors and versions', () => {
    test('keys differing only in case, trailing space or accent form stay distinct and sort by code point', async () => {
      const { name, url } = await createDatabase();
      const store = await openMysqlStore({ url });
      try {
        const names = ['a', 'a ', 'A', 'e\u0301', '\u00e9', 'b'];
        const vars = store.collection('vars');
        for (const [i, n] of names.entries()) await vars.put({ name: n, value: `v${i}`, source: 'test', seen_at: '2024-01-01T00:00:00Z' });
        assert.deepEqual((await vars.list()).map((v) => v.name), [...names].sort(), 'six rows in code-point order');
        for (const [i, n] of names.entries()) assert.equal((await vars.get({ name: n }))?.value, `v${i}`, JSON.stringify(n));
        assert.deepEqual([await store.nextCounter('x'), await store.nextCounter('X'), await store.nextCounter('x '), await store.nextCounter('x')], [1, 1, 1, 2]);
      } finally {
        await store.close();
        await dropDatabase(name);
      }
    });

    test('an unreachable server is a clear error naming host:port, without the password', async () => {
      await assert.rejects(openMysqlStore({ url: `mysql://root:${PASSWORD}@127.0.0.1:1/test` }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.match(error.message, /cannot connect to MySQL at 127\.0\.0\.1:1: connection refused/);
        assert.ok(error.hint, 'with a hint');
        assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
        return true;
      });
    });

    test('a wrong password and a missing database are clear errors, without the password', async () => {
      const user = decodeURIComponent(new URL(ADMIN_URL).username) || 'root';
      await assert.rejects(openMysqlStore({ url: urlOf('test', PASSWORD) }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.ok(error.message.includes(`refused user ${user}: wrong user name or password`), error.message);
        assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
        return true;
      });
      await assert.rejects(openMysqlStore({ url: urlOf(`${PREFIX}_missing`) }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
        assert.ok(error.message.includes(`database ${PREFIX}_missing does not exist`), error.message);
        return true;
      });
    });

    test('a malformed URL or an unknown option is refused without repeating the password', async () => {
      const urls = [`mysql://root:${PASSWORD}@[::1/x`, `postgres://root:${PASSWORD}@127.0.0.1/test`, `${urlOf('test', PASSWORD)}?multipleStatements=true`];
      for (const url of urls) {
        await assert.rejects(openMysqlStore({ url }), (error) => {
          assert.ok(error instanceof UserError, `${url}: a UserError`);
          assert.ok(!allText(error).includes(PASSWORD), 'the password appears nowhere in the error');
          return true;
        });
      }
    });

    test('a database from a newer cloudmesh is refused with its version and not changed', async () => {
      const { name, url } = await createDatabase();
      try {
        const store = await openMysqlStore({ url });
        await store.collection('vars').put({ name: 'mine', value: 'v', source: 'user', seen_at: '2024-01-01T00:00:00Z' });
        await store.nextCounter('kept');
        await store.close();
        await admin((c) => c.query(`INSERT INTO cm_schema (version, name, applied_at) VALUES (999, 'from the future', '2099-01-01T00:00:00Z')`), name);
        const before = await snapshot(name);

        await assert.rejects(openMysqlStore({ url }), (error) => {
          assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}`);
          assert.match(error.message, /schema version 999/);
          assert.ok(error.message.includes(`(${LATEST_SCHEMA_VERSION})`), 'the message says which version this cloudmesh understands');
          assert.match(error.message, /nothing was changed/);
          assert.match(error.hint ?? '', /upgrade cloudmesh/);
          return true;
        });
        assert.deepEqual(await snapshot(name), before, 'every table has exactly the rows it had');
      } finally {
        await dropDatabase(name);
      }
    });
  });
}
