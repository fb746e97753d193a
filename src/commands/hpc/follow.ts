/**
 * @module commands/hpc/follow
 * `hpc output --follow`: stream a job's output as it grows, until the job reaches a final state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../../core/command.ts';
import { TERMINAL_STATES, type Scheduler } from '../../core/scheduler.ts';

/**
 * Print new output through the reporter's stream as it appears; returns '' so nothing is printed twice.
 * Polls with a short, bounded sleep; stops when the job is final or the context is aborted.
 */
export async function followOutput(ctx: Context, scheduler: Scheduler, id: string, stream: 'stdout' | 'stderr'): Promise<string> {
  let offset = 0;
  const write = (text: string) => {
    if (text) ctx.out.data(text);
  };
  for (;;) {
    const chunk = await scheduler.output(id, { stream, offset });
    write(chunk.text);
    offset = chunk.offset;
    const [state] = await scheduler.status([id]);
    if (!state || TERMINAL_STATES.has(state.state) || state.state === 'UNKNOWN' || ctx.signal.aborted) {
      write((await scheduler.output(id, { stream, offset })).text);
      return '';
    }
    // Wakes early when the user interrupts, so Ctrl-C in the shell returns to the prompt at once.
    await sleep(500, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}
