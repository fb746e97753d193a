/**
 * A separate `cm`-like process for the MongoDB multi-process tests (mongo.test.ts):
 *   node mongo-writer.fixture.ts open|write <connection string> [worker id]
 */
import { runStoreWorker } from '../../../test/contracts/store-worker-main.ts';
import { openMongoStore } from './index.ts';

// Load the driver before saying "ready", so the workers' opens start within a millisecond of each other.
await import('mongodb');
await runStoreWorker({ name: 'mongo-writer.fixture.ts', open: (url) => openMongoStore({ url }) });
