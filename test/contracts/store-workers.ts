/**
 * Runs store fixture processes for the multi-process tests of every backend (locking, counters and
 * migrations across processes cannot be tested inside one). A fixture prints JSON lines, says
 * {"event":"ready"} once loaded and waits for a line on stdin, so all workers can be released together.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export type Message = { event: string } & Record<string, unknown>;

/** One fixture process, with its JSON lines on stdout. */
export interface Worker {
  child: ChildProcess;
  /** The first message with this event; rejects if the worker exits before sending it. */
  next(event: string): Promise<Message>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const live = new Set<ChildProcess>();

/** `0..n-1` shifted by `from`. */
export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Start `node FIXTURE ...args`; `label` names it in failures. */
export function startWorker(fixture: string, args: readonly string[], label: string): Worker {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const messages: Message[] = [];
  const waiting: (() => void)[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    messages.push(JSON.parse(line) as Message);
    for (const wake of waiting.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      for (const wake of waiting.splice(0)) wake();
      resolve({ code, signal, stderr });
    }),
  );
  const next = (event: string) =>
    new Promise<Message>((resolve, reject) => {
      const check = () => {
        const found = messages.find((m) => m.event === event);
        if (found) resolve(found);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`${label} exited before "${event}": ${stderr}`));
        else waiting.push(check);
      };
      check();
    });
  return { child, next, exited };
}

/** Start `count` workers, wait until each has loaded, then release them all at once. */
export async function startTogether(count: number, make: (id: number) => Worker): Promise<Worker[]> {
  const workers = range(count).map(make);
  await Promise.all(workers.map((w) => w.next('ready')));
  for (const w of workers) w.child.stdin!.write('go\n');
  return workers;
}

/** The worker ended with exit code 0. */
export async function expectClean(worker: Worker, what: string): Promise<void> {
  const { code, signal, stderr } = await worker.exited;
  assert.equal(code, 0, `${what} exited with ${code ?? signal}: ${stderr}`);
}

/** Nothing of ours may outlive the tests, whatever failed: call from `after`. */
export function killLiveWorkers(): void {
  for (const child of live) child.kill('SIGKILL');
}

/**
 * 8 workers × (25 `vars` puts + 25 nextCounter) released together against one database: every row
 * arrives, the counter values are exactly 1..200 with none repeated, and each worker sees its own
 * values increase. `open` opens the same database in this process (already migrated by the caller).
 * Returns how long the writers took, from their release to the last one done.
 */
export async function checkConcurrentWriters(
  start: (id: number) => Worker,
  open: () => Promise<import('../../src/core/store.ts').Store>,
): Promise<{ ms: number }> {
  const workers = await startTogether(8, start);
  // From the release of the loaded workers to the last "done": opening the store and the 400 writes.
  const started = performance.now();
  const results = await Promise.all(workers.map((w) => w.next('done')));
  const ms = Math.round(performance.now() - started);
  for (const [id, w] of workers.entries()) await expectClean(w, `writer ${id}`);
  const values = results.flatMap((r) => r.counters as number[]);
  assert.deepEqual([...values].sort((a, b) => a - b), range(200, 1), 'the 200 counter values are exactly 1..200, none repeated');
  for (const r of results) {
    const own = r.counters as number[];
    assert.deepEqual(own, [...own].sort((a, b) => a - b), 'each worker sees its counter increase');
  }
  const store = await open();
  try {
    const names = (await store.collection('vars').list()).map((v) => v.name).sort();
    assert.deepEqual(names, range(8).flatMap((id) => range(25).map((n) => `w${id}-${n}`)).sort(), 'all 200 vars, no more');
    assert.deepEqual(await store.collection('counters').get({ name: 'shared' }), { name: 'shared', value: 200 });
  } finally {
    await store.close();
  }
  return { ms };
}
