/**
 * A separate `cm`-like process for the PostgreSQL multi-process tests (postgres.test.ts):
 *   node postgres-writer.fixture.ts open|write|linger <database url> [worker id]
 * linger – one write, then ends without closing the store: a one-shot `cm` must still exit promptly.
 */
import { runStoreWorker } from '../../../test/contracts/store-worker-main.ts';
import { openPostgresStore } from './index.ts';

// Load pg before saying "ready", so the workers' opens start within a millisecond of each other.
await import('pg');
await runStoreWorker({
  name: 'postgres-writer.fixture.ts',
  open: (url) => openPostgresStore({ url }),
  modes: {
    async linger(store, say) {
      await store.collection('vars').put({ name: 'linger', value: 'not closed', source: 'linger', seen_at: new Date().toISOString() });
      say({ event: 'written' });
      return false;
    },
  },
});
