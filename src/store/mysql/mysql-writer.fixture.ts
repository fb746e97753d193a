/**
 * A separate `cm`-like process for the MySQL multi-process tests (mysql.test.ts): locks and
 * counters across processes cannot be tested inside one. Usage:
 *
 *   node mysql-writer.fixture.ts <mode> <database url> [worker id]
 *
 * It prints one JSON object per line. After loading it prints {"event":"ready"} and waits for a line on
 * stdin, so the parent can start all workers at the same moment. Then, by mode:
 *   open   – open the store (racing the other workers to migrate it); prints {"event":"opened","version":…}
 *   write  – 25 `vars` puts named w<id>-<n>, each followed by nextCounter('shared'); prints the counter values
 */
import { once } from 'node:events';
import { openMysqlStore } from './index.ts';

// Load mysql2 before saying "ready", so the workers' opens start within a millisecond of each other.
await import('mysql2/promise');

const [mode, url, id = '0'] = process.argv.slice(2);
if (!url || !['open', 'write'].includes(mode ?? '')) {
  process.stderr.write('usage: mysql-writer.fixture.ts open|write <database url> [worker id]\n');
  process.exit(2);
}
const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const seenAt = new Date().toISOString();

// The parent holds our stdin open: if it goes away (even killed), so do we, so no worker outlives a test run.
process.stdin.on('end', () => process.exit(3));
say({ event: 'ready' });
await once(process.stdin, 'data');
// Stop watching stdin: from here the process ends by itself once the store is closed.
process.stdin.destroy();

const store = await openMysqlStore({ url });
if (mode === 'open') {
  say({ event: 'opened', version: (await store.info()).schemaVersion });
} else if (mode === 'write') {
  const counters: number[] = [];
  for (let n = 0; n < 25; n++) {
    await store.collection('vars').put({ name: `w${id}-${n}`, value: `written by worker ${id}`, source: `worker-${id}`, seen_at: seenAt });
    counters.push(await store.nextCounter('shared'));
  }
  say({ event: 'done', counters });
}
await store.close();
