/**
 * A separate `cm`-like process for the SQLite multi-process tests (sqlite-processes.test.ts):
 *   node sqlite-writer.fixture.ts open|write|hold <database path> [worker id]
 * hold – commits 10 `vars` rows, then inside one transaction writes 100 large rows, prints
 *        {"event":"inside"} and waits there until the parent kills it.
 */
import { createRequire } from 'node:module';
import { runStoreWorker } from '../../../test/contracts/store-worker-main.ts';
import { sqliteLibrary } from './client.ts';
import { openSqliteStore } from './index.ts';

// Load the library before saying "ready", so the workers' opens start within a millisecond of each other.
if (sqliteLibrary() === 'better-sqlite3') createRequire(import.meta.url)('better-sqlite3');
else process.getBuiltinModule('node:sqlite');
await runStoreWorker({
  name: 'sqlite-writer.fixture.ts',
  open: (path) => openSqliteStore({ path }),
  watchParent: true,
  modes: {
    async hold(store, say) {
      const seenAt = new Date().toISOString();
      const vars = store.collection('vars');
      for (let n = 0; n < 10; n++) await vars.put({ name: `committed-${n}`, value: 'kept', source: 'hold', seen_at: seenAt });
      // 100 rows of 256 KiB overflow SQLite's page cache (16 MB in better-sqlite3's build, 2 MB in node:sqlite's), so uncommitted pages
      // reach the WAL file before the kill.
      const big = 'x'.repeat(256 * 1024);
      await store.transaction(async (tx) => {
        for (let n = 0; n < 100; n++) await tx.collection('vars').put({ name: `doomed-${n}`, value: big, source: 'hold', seen_at: seenAt });
        await tx.nextCounter('doomed');
        say({ event: 'inside' });
        // Never resolves; the interval keeps the process alive until SIGKILL.
        await new Promise(() => setInterval(() => undefined, 60_000));
      });
      return true;
    },
  },
});
