/**
 * The body shared by every backend's store fixture process (see store-workers.ts for the parent side).
 * It says {"event":"ready"}, waits for the parent's "go" line, opens the store and runs one mode:
 *   open  – open (racing the other workers to create and migrate it); prints {"event":"opened","version":…}
 *   write – 25 `vars` puts named w<id>-<n>, each followed by nextCounter('shared'); prints the counter values
 * plus any backend-specific modes the fixture passes in.
 */
import { once } from 'node:events';
import type { Store } from '../../src/core/store.ts';

export type Say = (message: Record<string, unknown>) => void;

export interface WorkerOptions {
  /** The fixture's file name, for the usage line. */
  name: string;
  open(location: string): Promise<Store>;
  /** Extra modes; each ends by returning whether the store should still be closed. */
  modes?: Record<string, (store: Store, say: Say, id: string) => Promise<boolean>>;
  /** Keep watching stdin after "go" (SQLite's hold mode must die with its parent). */
  watchParent?: boolean;
}

/** Parse argv (`<mode> <location> [worker id]`) and run. */
export async function runStoreWorker(options: WorkerOptions): Promise<void> {
  const modes = ['open', 'write', ...Object.keys(options.modes ?? {})];
  const [mode, location, id = '0'] = process.argv.slice(2);
  if (!location || !modes.includes(mode ?? '')) {
    process.stderr.write(`usage: ${options.name} ${modes.join('|')} <location> [worker id]\n`);
    process.exit(2);
  }
  const say: Say = (message) => void process.stdout.write(`${JSON.stringify(message)}\n`);
  // The parent holds our stdin open: if it goes away (even killed), so do we, so no worker outlives a test run.
  process.stdin.on('end', () => process.exit(3));
  say({ event: 'ready' });
  await once(process.stdin, 'data');
  if (!options.watchParent) process.stdin.destroy();

  const store = await options.open(location);
  let close = true;
  if (mode === 'open') {
    say({ event: 'opened', version: (await store.info()).schemaVersion });
  } else if (mode === 'write') {
    const seenAt = new Date().toISOString();
    const counters: number[] = [];
    for (let n = 0; n < 25; n++) {
      await store.collection('vars').put({ name: `w${id}-${n}`, value: `written by worker ${id}`, source: `worker-${id}`, seen_at: seenAt });
      counters.push(await store.nextCounter('shared'));
    }
    say({ event: 'done', counters });
  } else {
    close = await options.modes![mode!]!(store, say, id);
  }
  if (close) await store.close();
  // Let the process end: stdin may still be open for the watch above.
  process.stdin.destroy();
}
