/**
 * @module services/vm-parallel
 * Bounded parallelism and deadlines for calls to clouds. Booting ten VMs or refreshing five clouds should
 * take about as long as the slowest single call, but a cloud must never see more than a few requests of
 * ours at once, and one cloud that hangs must not hold up the answers of the others.
 */
import { BackendError } from '../core/errors.ts';

/** `fn` over every item with at most `limit` running at once; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Items grouped by a key, keeping first-seen order of keys and items. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * `promise`, or a `BackendError` naming `backend` and `operation` when it takes longer than `ms` (or the
 * signal aborts). The call itself is not cancelled; its late answer is ignored.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, backend: string, operation: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (why: string) => reject(new BackendError(backend, operation, new Error(why), `${backend}: ${operation} ${why}`));
    const timer = setTimeout(() => fail(`timed out after ${Math.round(ms / 100) / 10} s`), ms);
    const onAbort = () => fail('was interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/** One line for an error in a per-item result table (the cause is kept when it says more). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
}
