/**
 * @module core/rate-budget
 * Being polite to a cloud: at most a few of our requests in flight per cloud, and when the cloud says
 * "slow down" (HTTP 429, EC2 `RequestLimitExceeded`, a 503 with `Retry-After`) every request to that cloud
 * waits as long as it asked before trying again. Only calls that are safe to repeat are retried after a
 * transient failure (5xx, connection reset, timeout); a refusal for throttling is retried for any call,
 * because the cloud did nothing with it. Imports nothing but node:*, so a provider may use it directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface BudgetOptions {
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First back-off when the error gives no Retry-After (default 500 ms, doubling). */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error goes to the user (default 60 s). */
  maxWaitMs?: number;
}

/** What an error means for a retry. */
export type Verdict = { kind: 'throttled'; retryAfterMs?: number } | { kind: 'transient'; retryAfterMs?: number } | { kind: 'fatal' };

const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'SlowDown']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'EAI_AGAIN']);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Unavailable', 'InternalFailure']);

/** Seconds or an HTTP date (RFC 9110 Retry-After) as milliseconds from `now`. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function header(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, unknown>;
  return record[name] ?? record[name.toLowerCase()] ?? record['Retry-After'];
}

/** Look through an error and its causes for an HTTP status, a vendor code and a Retry-After. */
export function classify(error: unknown): Verdict {
  let status: number | undefined;
  let retryAfterMs: number | undefined;
  let throttledCode = false;
  let transientCode = false;
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const e = current as Record<string, any>;
    const s = e.status ?? e.statusCode ?? e.$metadata?.httpStatusCode ?? e.response?.status;
    if (typeof s === 'number' && status === undefined) status = s;
    retryAfterMs ??= typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined;
    retryAfterMs ??= parseRetryAfter(e.retryAfter);
    retryAfterMs ??= parseRetryAfter(header(e.headers, 'retry-after'));
    retryAfterMs ??= parseRetryAfter(header(e.response?.headers, 'retry-after'));
    retryAfterMs ??= parseRetryAfter(header(e.$response?.headers, 'retry-after'));
    for (const code of [e.code, e.name, e.Code]) {
      if (typeof code !== 'string') continue;
      if (THROTTLE_CODES.has(code)) throttledCode = true;
      if (TRANSIENT_CODES.has(code) || TRANSIENT_NAMES.has(code)) transientCode = true;
    }
    current = e.cause;
  }
  if (status === 429 || throttledCode || (status === 503 && retryAfterMs !== undefined)) {
    return retryAfterMs === undefined ? { kind: 'throttled' } : { kind: 'throttled', retryAfterMs };
  }
  if ((status !== undefined && status >= 500 && status <= 504) || transientCode) {
    return retryAfterMs === undefined ? { kind: 'transient' } : { kind: 'transient', retryAfterMs };
  }
  return { kind: 'fatal' };
}

/** A per-cloud budget of concurrent requests, shared pauses after throttling, and bounded retries. */
export class RateBudget {
  readonly #concurrency: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxWaitMs: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #pausedUntil = 0;
  /** How many retries this budget made, and how many after throttling (for tests and reports). */
  readonly stats = { retries: 0, throttled: 0 };

  constructor(options: BudgetOptions = {}) {
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#retries = Math.max(0, options.retries ?? 3);
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
  }

  /** Run `fn` within the budget; retry as described in the module comment. */
  async run<T>(fn: () => Promise<T>, options: { idempotent: boolean; signal?: AbortSignal }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.#acquire(options.signal);
      let delay: number;
      try {
        return await fn();
      } catch (error) {
        const verdict = classify(error);
        delay = verdict.kind === 'fatal' ? 0 : (verdict.retryAfterMs ?? this.#baseDelayMs * 2 ** attempt);
        if (verdict.kind === 'throttled') {
          // Everyone waits, not just this call: the cloud asked us, not one request, to slow down. This holds
          // even when this call is not retried here (a budget without retries still spaces later calls).
          this.stats.throttled++;
          this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + Math.min(delay, this.#maxWaitMs));
        }
        const retryable = verdict.kind === 'throttled' || (verdict.kind === 'transient' && options.idempotent);
        if (!retryable || attempt >= this.#retries || options.signal?.aborted || delay > this.#maxWaitMs) throw error;
        this.stats.retries++;
      } finally {
        this.#release();
      }
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
    }
  }

  async #acquire(signal?: AbortSignal): Promise<void> {
    while (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    const pause = this.#pausedUntil - Date.now();
    if (pause > 0) {
      try {
        await sleep(pause, undefined, signal ? { signal } : {});
      } catch (error) {
        this.#release();
        throw error;
      }
    }
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}

const budgets = new Map<string, RateBudget>();

/** The one budget of a cloud in this process (shared by every command a shell or server runs). */
export function budgetFor(cloud: string, options?: BudgetOptions): RateBudget {
  let budget = budgets.get(cloud);
  if (!budget) budgets.set(cloud, (budget = new RateBudget(options)));
  return budget;
}
