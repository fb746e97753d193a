/**
 * A separate `cm`-like process for the PostgreSQL multi-process tests (postgres.test.ts): locks and
 * counters across processes cannot be tested inside one. Usage:
 *
 *   node postgres-writer.fixture.ts <mode> <database url> [worker id]
 *
 * It prints one JSON object per line. After loading it prints {"event":"ready"} and waits for a line on
 * stdin, so the parent can start all workers at the same moment. Then, by mode:
 *   open   – open the store (racing the other workers to migrate it); prints {"event":"opened","version":…}
 *   write  – 25 `vars` puts named w<id>-<n>, each followed by nextCounter('shared'); prints the counter values
 *   linger – one write, then ends without closing the store: a one-shot `cm` must still exit promptly
 */
import { once } from 'node:events';
import { openPostgresStore } from './index.ts';

// Load pg before saying "ready", so the workers' opens start within a millisecond of each other.
await import('pg');

const [mode, url, id = '0'] = process.argv.slice(2);
if (!url || !['open', 'write', 'linger'].includes(mode ?? '')) {
  process.stderr.write('usage: postgres-writer.fixture.ts open|write|linger <database url> [worker id]\n');
  process.exit(2);
}
const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const seenAt = new Date().toISOString();

// The parent holds our stdin open: if it goes away (even killed), so do we, so no worker outlives a test run.
process.stdin.on('end', () => process.exit(3));
say({ event: 'ready' });
await once(process.stdin, 'data');
// Stop watching stdin: from here the process must end by itself (the linger mode checks exactly that).
process.stdin.destroy();

const store = await openPostgresStore({ url });
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
  await store.collection('vars').put({ name: 'linger', value: 'not closed', source: 'linger', seen_at: seenAt });
  say({ event: 'written' });
}
if (mode !== 'linger') await store.close();
