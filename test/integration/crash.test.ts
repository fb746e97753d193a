// Crash safety of a refresh (issue 5, item 6): `cm hpc status` over many tracked local jobs, killed with
// SIGKILL at a random moment, again and again, on SQLite, PostgreSQL and MariaDB. A refresh writes every
// job it learnt about in one transaction, so after each kill the jobs are either all as they were before
// (the kill came before COMMIT) or all refreshed with one seen_at (after it) — never a mix — and the next
// `cm` opens the database normally. The jobs are tracked rows whose ids have no job directory, so the
// local scheduler answers UNKNOWN for all of them and the refresh rewrites every row; each round first
// puts them back to PENDING. Servers that are not running are skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { JobRow } from '../../src/core/collections.ts';
import type { Store } from '../../src/core/store.ts';
import { openStore } from '../../src/store/registry.ts';
import { scopeFor } from '../../src/store/scope.ts';
import { CM, cm, tempHome } from '../helpers.ts';
import { scratchDatabases } from '../support/scratch-databases.ts';

const JOBS = 400;
const ROUNDS = Number(process.env.CM_CRASH_ROUNDS ?? 12);
const BEFORE = '2024-01-01T00:00:00.000Z';
const name = `cm_crash_${process.pid}_${Date.now().toString(36)}`;
const [pgScratch, mysqlScratch] = scratchDatabases(name);

/** Something that says whether a `cm` is inside a write transaction that has written rows. */
type Watcher = { writing(): Promise<boolean>; close(): Promise<void> };

const backends = [
  {
    backend: 'sqlite',
    up: true,
    url: undefined,
    create: () => undefined,
    drop: () => undefined,
    // Another connection cannot take the write lock while the refresh holds it (WAL: readers never do).
    async watch(home: string): Promise<Watcher> {
      const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
      const db = new Database(join(home, 'cloudmesh.db'), { timeout: 0 });
      return {
        async writing() {
          try {
            db.exec('BEGIN IMMEDIATE');
            db.exec('ROLLBACK');
            return false;
          } catch (error) {
            if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
            throw error;
          }
        },
        close: async () => void db.close(),
      };
    },
  },
  {
    ...pgScratch,
    // A transaction gets an xid with its first write.
    async watch(): Promise<Watcher> {
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await client.connect();
      return {
        writing: async () => (await client.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'cloudmesh' AND backend_xid IS NOT NULL`, [name])).rowCount! > 0,
        close: () => client.end(),
      };
    },
  },
  {
    ...mysqlScratch,
    async watch(): Promise<Watcher> {
      const connection = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
      return {
        async writing() {
          // Not information_schema.innodb_trx: InnoDB refreshes it at most every 0.1 s, longer than a refresh's
          // transaction here. Every INSERT INTO jobs of `hpc status` runs inside its one transaction.
          const [rows] = await connection.query("SELECT 1 FROM information_schema.processlist WHERE db = ? AND info LIKE 'INSERT INTO `jobs`%'", [name]);
          return (rows as unknown[]).length > 0;
        },
        close: () => connection.end(),
      };
    },
  },
];

/** Start `cm hpc status` and SIGKILL it the moment `watcher` sees its transaction writing; says whether that happened. */
async function killWhileWriting(home: string, env: Record<string, string>, watcher: Watcher): Promise<boolean> {
  const child = spawn(process.execPath, [CM, 'hpc', 'status'], { env: { ...process.env, CLOUDMESH_HOME: home, ...env }, stdio: 'ignore' });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let caught = false;
  const deadline = Date.now() + 60_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    if (await watcher.writing()) {
      child.kill('SIGKILL');
      caught = true;
      break;
    }
    await tick();
  }
  if (!caught) child.kill('SIGKILL');
  await closed;
  return caught;
}

const pending = (i: number, seenAt = BEFORE): JobRow => ({
  cluster: 'local', id: String(900_000 + i), name: `tracked-${i}`, state: 'PENDING', exit_code: null, submitted_at: BEFORE,
  started_at: null, ended_at: null, dir: null, reason: null, spec: { command: ['true'] }, source: 'local', seen_at: seenAt,
});

/** Start `cm hpc status`, kill it with SIGKILL after `delayMs` (unless it ended); says whether it was killed. */
function killedStatus(home: string, env: Record<string, string>, delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CM, 'hpc', 'status'], { env: { ...process.env, CLOUDMESH_HOME: home, ...env }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

for (const target of backends) {
  test(`cm hpc status killed at random points leaves ${target.backend} consistent`, { skip: target.up ? false : `${target.backend} is not running on 127.0.0.1`, timeout: 600_000 }, async (t) => {
    if (target.url) assert.equal(target.create()?.status, 0, `could not create database ${name}`);
    const home = tempHome('cm-crash-');
    const env: Record<string, string> = target.url ? { CM_TEST_DB_URL: target.url } : {};
    await cm(home, ['config', 'path']);
    const database = target.url ? `database:\n  backend: ${target.backend}\n  url: env:CM_TEST_DB_URL\n` : '';
    writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\nprofile:\n  user: crash\n${database}`, { mode: 0o600 });
    const section = target.url ? { backend: target.backend, url: target.url } : { backend: 'sqlite' };
    const open = () => openStore(section, home, env, scopeFor({ profile: { user: 'crash' }, clusters: {} }, home, env));
    const reset = async () => {
      const store = await open();
      try {
        await store.collection('jobs').putMany(Array.from({ length: JOBS }, (_, i) => pending(i)));
      } finally {
        await store.close();
      }
    };
    /** 'before' or 'after' the refresh's commit; fails on anything in between. */
    const check = async (store: Store): Promise<'before' | 'after'> => {
      const rows = await store.collection('jobs').list();
      assert.equal(rows.length, JOBS, 'no job row lost or added');
      const states = new Set(rows.map((r) => `${r.state}@${r.seen_at}`));
      assert.equal(states.size, 1, `every job has the same state and seen_at, not a mix of ${[...states].slice(0, 4).join(', ')}`);
      const [only] = states;
      if (only === `PENDING@${BEFORE}`) return 'before';
      assert.match(only!, /^UNKNOWN@/, 'or every job was refreshed');
      return 'after';
    };
    try {
      // How long a whole refresh takes here, so the kills spread over the run, start-up included.
      await reset();
      const started = performance.now();
      const full = await cm(home, ['hpc', 'status'], { env, timeoutMs: 120_000 });
      const duration = performance.now() - started;
      assert.equal(full.code, 0, full.stderr);
      const store = await open();
      try {
        assert.equal(await check(store), 'after', 'an unkilled refresh commits');
      } finally {
        await store.close();
      }

      const outcome = { before: 0, after: 0, exited: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        await reset();
        const delay = Math.round(duration * (0.3 + 0.8 * Math.random()));
        const { killed } = await killedStatus(home, env, delay);
        if (!killed) outcome.exited++;
        const after = await open();
        try {
          outcome[await check(after)]++;
        } finally {
          await after.close();
        }
      }
      // Now kill each refresh exactly while its transaction holds written rows.
      const watcher = await target.watch(home);
      const inside = { caught: 0, before: 0, after: 0 };
      try {
        for (let round = 0; round < ROUNDS; round++) {
          await reset();
          if (await killWhileWriting(home, env, watcher)) inside.caught++;
          const after = await open();
          try {
            inside[await check(after)]++;
          } finally {
            await after.close();
          }
        }
      } finally {
        await watcher.close();
      }
      assert.ok(inside.caught > 0, 'at least one kill landed inside the write transaction');
      // The database is sound for the next cm: a refresh now commits.
      const last = await cm(home, ['hpc', 'status'], { env, timeoutMs: 120_000 });
      assert.equal(last.code, 0, last.stderr);
      const info = await cm(home, ['--output', 'json', 'db', 'info'], { env });
      assert.equal(JSON.parse(info.stdout).rows_jobs, JOBS);
      t.diagnostic(`${target.backend}: ${ROUNDS} kills at random of a ${Math.round(duration)} ms refresh of ${JOBS} jobs: ${outcome.before} before commit, ${outcome.after} after, ${outcome.exited} ended before the kill; never a mix`);
      t.diagnostic(`${target.backend}: ${ROUNDS} kills while the transaction had written: ${inside.caught} caught inside it, then ${inside.before} rolled back entirely, ${inside.after} committed entirely`);
    } finally {
      target.drop();
    }
  });
}
