/**
 * A separate `cm`-like process for the SQLite multi-process tests (sqlite-processes.test.ts), because
 * locking across processes cannot be tested inside one. Usage:
 *
 *   node sqlite-writer.fixture.ts <mode> <database path> [worker id]
 *
 * It prints one JSON object per line. After loading it prints {"event":"ready"} and waits for a line on
 * stdin, so the parent can start all workers at the same moment. Then, by mode:
 *   open  – open the store (racing the other workers to create and migrate it); prints {"event":"opened"}
 *   write – 25 `vars` puts named w<id>-<n>, each followed by nextCounter('shared'); prints the counter values
 *   hold  – commits 10 `vars` rows, then inside one transaction writes 100 large rows, prints
 *           {"event":"inside"} and waits there until the parent kills it
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { openSqliteStore } from './index.ts';

// Load the native addon before saying "ready", so the workers' opens start within a millisecond of each other.
createRequire(import.meta.url)('better-sqlite3');

const [mode, path, id = '0'] = process.argv.slice(2);
if (!path || !['open', 'write', 'hold'].includes(mode ?? '')) {
  process.stderr.write('usage: sqlite-writer.fixture.ts open|write|hold <database path> [worker id]\n');
  process.exit(2);
}
const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const seenAt = new Date().toISOString();

// The parent holds our stdin open: if it goes away (even killed), so do we, so no worker outlives a test run.
process.stdin.on('end', () => process.exit(3));
say({ event: 'ready' });
await once(process.stdin, 'data');

const store = await openSqliteStore({ path });
if (mode === 'open') {
  say({ event: 'opened', version: (await store.info()).schemaVersion });
} else if (mode === 'write') {
  const counters: number[] = [];
  for (let n = 0; n < 25; n++) {
    await store.collection('vars').put({ name: `w${id}-${n}`, value: `written by worker ${id}`, source: `worker-${id}`, seen_at: seenAt });
    counters.push(await store.nextCounter('shared'));
  }
  say({ event: 'done', counters });
} else {
  const vars = store.collection('vars');
  for (let n = 0; n < 10; n++) await vars.put({ name: `committed-${n}`, value: 'kept', source: 'hold', seen_at: seenAt });
  // 100 rows of 256 KiB overflow SQLite's page cache (16 MB in better-sqlite3's build), so uncommitted pages
  // reach the WAL file before the kill.
  const big = 'x'.repeat(256 * 1024);
  await store.transaction(async (tx) => {
    for (let n = 0; n < 100; n++) await tx.collection('vars').put({ name: `doomed-${n}`, value: big, source: 'hold', seen_at: seenAt });
    await tx.nextCounter('doomed');
    say({ event: 'inside' });
    // Never resolves; the interval keeps the process alive until SIGKILL.
    await new Promise(() => setInterval(() => undefined, 60_000));
  });
}
await store.close();
// Let the process end: stdin is still open for the watch above.
process.stdin.destroy();
