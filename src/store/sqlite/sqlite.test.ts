import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../../../test/contracts/store.contract.ts';
import { openSqliteStore } from './index.ts';

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cm-sqlite-contract-'));
  const path = join(dir, 'state.db');
  return {
    store: await openSqliteStore({ path }),
    reopen: () => openSqliteStore({ path }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
