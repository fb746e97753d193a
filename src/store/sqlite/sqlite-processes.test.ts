/**
 * The SQLite store shared by several processes, as happens when the user runs `cm` in two terminals
 * beside the server: concurrent writers lose nothing and counters never repeat, processes racing to
 * create and migrate a new file all succeed, and a writer killed mid-transaction leaves no trace.
 * The other processes run sqlite-writer.fixture.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkConcurrentWriters, expectClean, killLiveWorkers, range, startTogether, startWorker as startWorker_, type Worker } from '../../../test/contracts/store-workers.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../sql/migrations.ts';
import { openSqliteStore } from './index.ts';

const FIXTURE = fileURLToPath(new URL('./sqlite-writer.fixture.ts', import.meta.url));
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

function startWorker(mode: 'open' | 'write' | 'hold', path: string, id = 0): Worker {
  return startWorker_(FIXTURE, [mode, path, String(id)], `worker ${id} (${mode})`);
}

function integrity(path: string): unknown {
  const raw = new Database(path);
  try {
    return raw.pragma('integrity_check', { simple: true });
  } finally {
    raw.close();
  }
}

describe('sqlite store across processes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cm-sqlite-processes-'));
  });
  after(async () => {
    // Nothing of ours may outlive the tests, whatever failed.
    killLiveWorkers();
    await rm(dir, { recursive: true, force: true });
  });

  test('8 processes writing at once lose no row and never repeat a counter value', { timeout: 40_000 }, async (t) => {
    const path = join(dir, 'writers.db');
    await (await openSqliteStore({ path })).close();
    const { ms } = await checkConcurrentWriters((id) => startWorker('write', path, id), () => openSqliteStore({ path }));
    t.diagnostic(`sqlite: 8 × 25 writes + 25 counters each in ${ms} ms, 0 lost`);
    assert.equal(integrity(path), 'ok');
  });

  test('8 processes opening a new file at the same moment all create and migrate it', { timeout: 40_000 }, async () => {
    // Two rounds: the race is short and one round may happen to serialise.
    for (const round of [1, 2]) {
      const path = join(dir, `race-${round}`, 'state.db');
      const workers = await startTogether(8, (id) => startWorker('open', path, id));
      const opened = await Promise.all(workers.map((w) => w.next('opened')));
      for (const [id, w] of workers.entries()) await expectClean(w, `opener ${id} in round ${round}`);
      for (const message of opened) assert.equal(message.version, LATEST_SCHEMA_VERSION);
      const raw = new Database(path);
      try {
        const applied = raw.prepare('SELECT version FROM cm_schema ORDER BY version').pluck().all();
        assert.deepEqual(applied, MIGRATIONS.map((m) => m.version), 'each migration recorded once');
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        raw.close();
      }
      assert.equal(integrity(path), 'ok');
    }
  });

  test('a writer killed inside a transaction leaves none of its writes and a sound database', { timeout: 30_000 }, async () => {
    const path = join(dir, 'killed.db');
    await (await openSqliteStore({ path })).close();
    const [worker] = await startTogether(1, () => startWorker('hold', path));
    await worker!.next('inside');
    // Precondition: the uncommitted pages already reached the WAL, so recovery (not just a lost cache) is tested.
    assert.ok(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 1024 * 1024, 'uncommitted pages were spilled to the WAL');
    worker!.child.kill('SIGKILL');
    const { signal } = await worker!.exited;
    assert.equal(signal, 'SIGKILL');

    // A short busy timeout: a lock left behind by the dead writer would fail this quickly instead of hanging.
    const store = await openSqliteStore({ path, busyTimeoutMs: 2_000 });
    try {
      const vars = store.collection('vars');
      assert.deepEqual((await vars.list()).map((v) => v.name), range(10).map((n) => `committed-${n}`), 'only the committed rows');
      assert.equal(await vars.count({ source: 'hold', value: 'kept' }), 10);
      assert.equal(await store.collection('counters').get({ name: 'doomed' }), undefined, 'the counter increment went too');
      await vars.put({ name: 'after', value: 'the lock is free', source: 'test', seen_at: new Date().toISOString() });
      assert.equal(await store.nextCounter('doomed'), 1);
    } finally {
      await store.close();
    }
    assert.equal(integrity(path), 'ok');
  });
});
