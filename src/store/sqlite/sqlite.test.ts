/**
 * Tests of the SQLite store: the shared Store contract on a real database file, then what only a file
 * database has — files that are not SQLite, files from a newer cloudmesh, existing empty files, and the
 * backup before a migration. Several processes at once: sqlite-processes.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import { UserError } from '../../core/errors.ts';
import { storeContract } from '../../../test/contracts/store.contract.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../sql/migrations.ts';
import { openSqliteStore } from './index.ts';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cm-sqlite-contract-'));
  const path = join(dir, 'state.db');
  return {
    store: await openSqliteStore({ path }),
    reopen: (scope) => openSqliteStore({ path, ...(scope ? { scope } : {}) }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Row counts of every table, read with better-sqlite3 directly. */
function tableCounts(path: string): Record<string, number> {
  const raw = new Database(path);
  try {
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, raw.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
  } finally {
    raw.close();
  }
}

/** Files this process still holds open under `dir` (Linux only; elsewhere the check is skipped). */
function openFilesUnder(dir: string): string[] | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

/**
 * A database at schema `version` exactly as cloudmesh of that version would leave it: the migrations up
 * to `version`, applied by the same code, recorded in cm_schema, plus one `vars` row.
 */
async function buildAtVersion(path: string, version: number): Promise<void> {
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await db.schema.createTable('cm_schema').addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull()).addColumn('applied_at', 'text', (c) => c.notNull()).execute();
    for (const migration of MIGRATIONS.filter((m) => m.version <= version)) {
      await migration.up(db, { key: 'text', text: 'text' });
      await db.insertInto('cm_schema').values({ version: migration.version, name: migration.name, applied_at: '2024-01-01T00:00:00Z' }).execute();
    }
    await db.insertInto('vars').values({ name: 'kept', value: 'from an older cloudmesh', source: 'user', seen_at: '2024-01-01T00:00:00Z' }).execute();
  } finally {
    await db.destroy();
  }
}

describe('sqlite store files', () => {
  let dir: string;
  let n = 0;
  /** A new empty directory per test, so listings show only what that test made. */
  const freshDir = () => {
    const home = join(dir, `case-${++n}`);
    mkdirSync(home);
    return home;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cm-sqlite-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [kind, content] of [
    ['random bytes', randomBytes(8192)],
    ['a text file', Buffer.from('my notes\n'.repeat(200))],
    ['a short text file', Buffer.from('hi\n')],
  ] as const) {
    test(`${kind} is refused as not a SQLite database and left byte for byte as it was`, async () => {
      const home = freshDir();
      const path = join(home, 'state.db');
      writeFileSync(path, content);
      await assert.rejects(openSqliteStore({ path }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}`);
        assert.match(error.message, /is not a SQLite database/);
        assert.ok(error.message.includes(path), 'the message names the file');
        return true;
      });
      assert.ok(readFileSync(path).equals(content), 'the file bytes are unchanged');
      assert.deepEqual(readdirSync(home), ['state.db'], 'no journal or WAL file was left beside it');
      const open = openFilesUnder(home);
      if (open) assert.deepEqual(open, [], 'the refused file is not held open');
    });
  }

  for (const [kind, make] of [
    ['written by cloudmesh (WAL)', async (path: string) => {
      const store = await openSqliteStore({ path });
      await store.collection('vars').put({ name: 'mine', value: 'v', source: 'user', seen_at: '2024-01-01T00:00:00Z' });
      await store.close();
    }],
    ['in rollback-journal mode', async (path: string) => {
      await buildAtVersion(path, LATEST_SCHEMA_VERSION);
      const raw = new Database(path);
      raw.pragma('journal_mode = DELETE');
      raw.close();
    }],
  ] as const) {
    test(`a database from a newer cloudmesh, ${kind}, is refused with its version and not changed`, async () => {
      const home = freshDir();
      const path = join(home, 'state.db');
      await make(path);
      const raw = new Database(path);
      raw.prepare("INSERT INTO cm_schema (version, name, applied_at) VALUES (999, 'from the future', '2099-01-01T00:00:00Z')").run();
      raw.close();
      const counts = tableCounts(path);
      const bytes = readFileSync(path);
      const listing = readdirSync(home);

      await assert.rejects(openSqliteStore({ path }), (error) => {
        assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}`);
        assert.match(error.message, /schema version 999/);
        assert.ok(error.message.includes(`(${LATEST_SCHEMA_VERSION})`), 'the message says which version this cloudmesh understands');
        assert.match(error.message, /nothing was changed/);
        assert.match(error.hint ?? '', /upgrade cloudmesh/);
        return true;
      });
      assert.ok(readFileSync(path).equals(bytes), 'the file bytes are unchanged');
      assert.deepEqual(readdirSync(home), listing, 'no file was added beside it');
      assert.deepEqual(tableCounts(path), counts, 'every table has the rows it had');
    });
  }

  for (const [kind, make] of [
    ['an empty (0-byte) file', (path: string) => writeFileSync(path, '')],
    ['a SQLite file with no tables', (path: string) => {
      const raw = new Database(path);
      raw.pragma('user_version = 7');
      raw.close();
    }],
  ] as const) {
    test(`migrating ${kind} creates every collection, without a backup`, async () => {
      const home = freshDir();
      const path = join(home, 'state.db');
      make(path);
      const store = await openSqliteStore({ path, migrate: false });
      try {
        // Version 0 has nothing worth copying, so there is no backup (the from > 0 path is the next test).
        assert.deepEqual(await store.migrate(), { from: 0, to: LATEST_SCHEMA_VERSION });
        const info = await store.info();
        assert.equal(info.schemaVersion, LATEST_SCHEMA_VERSION);
        assert.ok(Object.values(info.counts).every((count) => count === 0), 'every collection exists, empty');
        await store.collection('vars').put({ name: 'x', value: 'y', source: 'user', seen_at: '2024-01-01T00:00:00Z' });
        assert.equal(await store.collection('vars').count(), 1);
      } finally {
        await store.close();
      }
      assert.deepEqual(readdirSync(home), ['state.db'], 'no backup file');
      const raw = new Database(path);
      try {
        assert.equal(raw.pragma('user_version', { simple: true }), kind.includes('no tables') ? 7 : 0, 'foreign header fields are kept');
      } finally {
        raw.close();
      }
    });
  }

  test('a database built by the migrations up to the current version opens as current', async () => {
    // Checks buildAtVersion, which the backup test below relies on, against today's single version.
    const home = freshDir();
    const path = join(home, 'state.db');
    await buildAtVersion(path, LATEST_SCHEMA_VERSION);
    const store = await openSqliteStore({ path, migrate: false });
    try {
      assert.deepEqual(await store.migrate(), { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
      assert.deepEqual(await store.collection('vars').get({ name: 'kept' }), {
        name: 'kept', value: 'from an older cloudmesh', source: 'user', seen_at: '2024-01-01T00:00:00Z',
      });
    } finally {
      await store.close();
    }
    assert.deepEqual(readdirSync(home), ['state.db'], 'a no-op migration writes no backup');
  });

  test('upgrading to owners: the migrating user adopts the existing rows, and this machine its local jobs', async () => {
    const home = freshDir();
    const path = join(home, 'state.db');
    await buildAtVersion(path, 1);
    const raw = new Database(path);
    const job = (cluster: string, id: string) => raw.prepare(`INSERT INTO jobs (cluster, id, name, state, submitted_at, spec, source, seen_at) VALUES (?, ?, 'j', 'RUNNING', '2024-01-01T00:00:00Z', '{}', ?, '2024-01-01T00:00:00Z')`).run(cluster, id, cluster);
    job('local', '1');
    job('hpc', '7');
    raw.close();
    const scope = (user: string, machine: string) => ({ user, machine, machineClusters: ['local'] });
    const open = (s: ReturnType<typeof scope>) => openSqliteStore({ path, scope: s });
    const alice = await open(scope('alice', 'alice@laptop:/h'));
    try {
      assert.equal((await alice.info()).schemaVersion, LATEST_SCHEMA_VERSION);
      assert.equal((await alice.collection('vars').get({ name: 'kept' }))?.value, 'from an older cloudmesh', 'the variable is alice\'s now');
      assert.deepEqual((await alice.collection('jobs').list()).map((j) => `${j.cluster}/${j.id}`), ['hpc/7', 'local/1']);
    } finally {
      await alice.close();
    }
    const elsewhere = await open(scope('alice', 'alice@login-node:/h'));
    const bob = await open(scope('bob', 'bob@laptop:/h'));
    try {
      assert.deepEqual((await elsewhere.collection('jobs').list()).map((j) => `${j.cluster}/${j.id}`), ['hpc/7'], 'the local job stays with the laptop');
      assert.equal(await bob.collection('vars').count(), 0);
      assert.equal(await bob.collection('jobs').count(), 0);
    } finally {
      await elsewhere.close();
      await bob.close();
    }
  });

  test('migrating from an older schema version first writes a backup beside the database', async (t) => {
    const older = LATEST_SCHEMA_VERSION - 1;
    if (older < 1) {
      // Honest gap: with one migration a database is either empty (version 0, nothing to back up) or current.
      // This case runs by itself as soon as a second migration exists.
      t.skip('only schema version 1 exists, so no database is older than current and not empty');
      return;
    }
    const home = freshDir();
    const path = join(home, 'state.db');
    await buildAtVersion(path, older);
    const store = await openSqliteStore({ path, migrate: false });
    let backup: string | undefined;
    try {
      const report = await store.migrate();
      assert.equal(report.from, older);
      assert.equal(report.to, LATEST_SCHEMA_VERSION);
      backup = report.backup;
      assert.ok(backup, 'the report says where the backup is');
      assert.equal(dirname(backup), home, 'the backup sits beside the database');
      assert.equal((await store.info()).schemaVersion, LATEST_SCHEMA_VERSION);
      assert.equal((await store.collection('vars').get({ name: 'kept' }))?.value, 'from an older cloudmesh');
    } finally {
      await store.close();
    }
    const raw = new Database(backup, { readonly: true });
    try {
      assert.equal(raw.prepare('SELECT max(version) FROM cm_schema').pluck().get(), older, 'the backup is the old schema');
      assert.equal(raw.prepare("SELECT value FROM vars WHERE name = 'kept'").pluck().get(), 'from an older cloudmesh');
    } finally {
      raw.close();
    }
  });
});
