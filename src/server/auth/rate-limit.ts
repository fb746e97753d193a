/**
 * @module server/auth/rate-limit
 * Login attempts per client address in a sliding window: after `limit` attempts within `windowMs`, further
 * ones are refused until the oldest falls out. Successful attempts count too, so guessing cannot hide
 * between them.
 */
export class RateLimit {
  readonly limit: number;
  readonly windowMs: number;
  #attempts = new Map<string, number[]>();

  constructor(options: { limit: number; windowMs: number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
  }

  /** Record an attempt; returns 0 when allowed, else the seconds until the next one will be. */
  attempt(client: string, now = Date.now()): number {
    const recent = (this.#attempts.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.#attempts.set(client, recent);
      return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
    }
    recent.push(now);
    this.#attempts.set(client, recent);
    return 0;
  }
}
