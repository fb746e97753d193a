// Job tracking asks each cluster once for all of its unfinished jobs, never once per job, and leaves
// finished jobs alone. Runs on a real SQLite store and the real local scheduler, counting calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scheduler } from '../core/scheduler.ts';
import { createContext } from './context.ts';
import { listJobs, refreshJobs, submitJob } from './jobs.ts';

test('refresh makes one status call per cluster, with every unfinished id, and none for finished jobs', async () => {
  const ctx = createContext({ home: mkdtempSync(join(tmpdir(), 'cm-jobs-')), env: { ...process.env } });
  const calls: string[][] = [];
  const scheduler = ctx.scheduler.bind(ctx);
  const counting = async (cluster: string): Promise<Scheduler> => {
    const real = await scheduler(cluster);
    return { ...real, status: (ids) => (calls.push([...ids]), real.status(ids)) };
  };
  const spied = { ...ctx, scheduler: counting };
  try {
    for (let i = 0; i < 5; i++) await submitJob(spied, 'local', { command: ['sleep', '0.2'] });
    const jobs = await listJobs(spied);
    await refreshJobs(spied, jobs);
    assert.equal(calls.length, 1);
    assert.deepEqual([...calls[0]!].sort(), jobs.map((j) => j.id).sort());
    // Poll until all are done (a loaded machine may take a while), then check nothing is asked again.
    const deadline = Date.now() + 15_000;
    let done = await refreshJobs(spied, await listJobs(spied));
    while (!done.every((j) => j.state === 'COMPLETED') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      done = await refreshJobs(spied, await listJobs(spied));
    }
    assert.ok(done.every((j) => j.state === 'COMPLETED'), JSON.stringify(done.map((j) => j.state)));
    assert.ok(calls.every((ids) => ids.length > 0), 'a refresh never asks for zero jobs');
    calls.length = 0;
    await refreshJobs(spied, await listJobs(spied));
    assert.equal(calls.length, 0, 'finished jobs are not polled again');
  } finally {
    await ctx.close();
  }
});
