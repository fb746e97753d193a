/**
 * A separate `cm`-like process for the MySQL multi-process tests (mysql.test.ts):
 *   node mysql-writer.fixture.ts open|write <database url> [worker id]
 */
import { runStoreWorker } from '../../../test/contracts/store-worker-main.ts';
import { openMysqlStore } from './index.ts';

// Load mysql2 before saying "ready", so the workers' opens start within a millisecond of each other.
await import('mysql2/promise');
await runStoreWorker({ name: 'mysql-writer.fixture.ts', open: (url) => openMysqlStore({ url }) });
