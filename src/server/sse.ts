/**
 * @module server/sse
 * Live updates for the portal as server-sent events (EventSource sends the session cookie; no header
 * needed). `/events/status` pushes the overall view whenever a row changes (new, gone, another state or
 * a newer `seen_at`), whoever changed it — the CLI in another terminal included. `/events/job` streams one
 * job's output as it grows and its state, ending with `end` once the job is final and its output drained.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { TERMINAL_STATES, type JobStateName } from '../core/scheduler.ts';
import type { OwnedContext } from '../services/context.ts';
import { listJobs, refreshJobs, resolveCluster } from '../services/jobs.ts';
import { overallStatus } from '../services/status.ts';
import { errorBody, fromError } from './errors.ts';
import type { ServerEnv } from './auth/guard.ts';

export interface EventOptions {
  context: () => OwnedContext;
  /** How often the sources are polled; the portal sees a change within this. */
  intervalMs?: number;
  /** Masks config secrets in any text before it leaves. */
  scrub: (text: string) => Promise<string>;
}

const HEARTBEAT_MS = 15_000;

export function mountEvents(app: Hono<ServerEnv>, options: EventOptions): void {
  const interval = options.intervalMs ?? 1000;

  app.get('/events/status', (c) =>
    streamSSE(c, async (stream) => {
      let last = '';
      let quietSince = Date.now();
      while (!stream.aborted) {
        try {
          const rows = await overallStatus(options.context());
          const text = JSON.stringify(rows);
          if (text !== last) {
            last = text;
            quietSince = Date.now();
            await stream.writeSSE({ event: 'status', data: await options.scrub(text) });
          } else if (Date.now() - quietSince > HEARTBEAT_MS) {
            quietSince = Date.now();
            await stream.write(': keep-alive\n\n');
          }
        } catch (error) {
          await stream.writeSSE({ event: 'error', data: await options.scrub(JSON.stringify(fromError(error).body)) });
        }
        await stream.sleep(interval);
      }
    }),
  );

  app.get('/events/job', async (c) => {
    const id = c.req.query('id');
    if (!id) return c.json(errorBody('usage', 'id is required'), 400);
    const streamName = c.req.query('stream') === 'stderr' ? 'stderr' : 'stdout';
    let cluster: string;
    try {
      cluster = await resolveCluster(options.context(), c.req.query('cluster'));
      const [row] = await listJobs(options.context(), { cluster, ids: [id] });
      if (!row) return c.json(errorBody('not_found', `no tracked job ${id} on ${cluster}`), 404);
    } catch (error) {
      const { status, body } = fromError(error);
      return c.json(body, status);
    }
    return streamSSE(c, async (stream) => {
      const ctx = options.context();
      const scheduler = await ctx.scheduler(cluster);
      let offset = 0;
      let lastState = '';
      while (!stream.aborted) {
        const chunk = await scheduler.output(id, { stream: streamName, offset });
        if (chunk.text) await stream.writeSSE({ event: 'output', data: await options.scrub(JSON.stringify({ text: chunk.text, offset: chunk.offset })) });
        offset = chunk.offset;
        const [row] = await refreshJobs(ctx, await listJobs(ctx, { cluster, ids: [id] }));
        const state = row?.state ?? 'UNKNOWN';
        if (state !== lastState) {
          lastState = state;
          await stream.writeSSE({ event: 'state', data: await options.scrub(JSON.stringify(row ?? { id, cluster, state })) });
        }
        if (TERMINAL_STATES.has(state as JobStateName) || state === 'UNKNOWN') {
          const rest = await scheduler.output(id, { stream: streamName, offset });
          if (rest.text) await stream.writeSSE({ event: 'output', data: await options.scrub(JSON.stringify({ text: rest.text, offset: rest.offset })) });
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ state }) });
          return;
        }
        await stream.sleep(500);
      }
    });
  });
}
