/**
 * @module services/vm-call
 * The one way services call a cloud: through its provider, within the cloud's budget and deadline. The
 * budget here bounds how many of our calls a cloud sees at once and, after the cloud throttled us, makes
 * later calls wait out its Retry-After; it does not retry, because the providers already do (only calls safe
 * to repeat, boots by their client token), and two layers of retries would multiply. The deadline makes one
 * cloud that hangs a reported time-out while the others' answers are used.
 */
import type { Context } from '../core/command.ts';
import type { ComputeProvider } from '../core/compute.ts';
import { budgetFor } from '../core/rate-budget.ts';
import { withDeadline } from './vm-parallel.ts';

/**
 * How long one call to `cloud` may take before it is reported as timed out: the cloud's
 * `settings.deadline` (seconds), else `CM_CLOUD_TIMEOUT` (seconds), else 60 s.
 */
export async function cloudDeadlineMs(ctx: Context, cloud: string): Promise<number> {
  const fromCloud = Number((await ctx.config()).clouds[cloud]?.settings?.deadline);
  if (Number.isFinite(fromCloud) && fromCloud > 0) return fromCloud * 1000;
  const fromEnv = Number(ctx.env.CM_CLOUD_TIMEOUT);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv * 1000 : 60_000;
}

/** The provider of `cloud`, opened within its deadline. */
export async function providerOf(ctx: Context, cloud: string): Promise<ComputeProvider> {
  return withDeadline(ctx.compute(cloud), await cloudDeadlineMs(ctx, cloud), `cloud "${cloud}"`, 'connect', ctx.signal);
}

/**
 * Run `fn` against the provider of `cloud`. `idempotent: false` (allocating an address) is never repeated
 * after a failure the cloud may have acted on; everything else may be (a boot carries its client token).
 */
export async function callCloud<T>(ctx: Context, cloud: string, operation: string, fn: (provider: ComputeProvider) => Promise<T>, options: { idempotent?: boolean } = {}): Promise<T> {
  const deadline = await cloudDeadlineMs(ctx, cloud);
  const provider = await withDeadline(ctx.compute(cloud), deadline, `cloud "${cloud}"`, 'connect', ctx.signal);
  const call = budgetFor(`cm:${cloud}`, { retries: 0 }).run(() => fn(provider), { idempotent: options.idempotent ?? true, signal: ctx.signal });
  return withDeadline(call, deadline, `cloud "${cloud}"`, operation, ctx.signal);
}
