/**
 * @module services/age
 * Adds an `age` field (how long ago `seen_at` was) to cached rows, so every face shows how fresh a row is.
 */
import { formatAge } from '../core/age.ts';

/** A copy of each row with `age` computed from its `seen_at`. */
export function withAge<R extends { seen_at: string }>(rows: readonly R[], now: Date): (R & { age: string })[] {
  return rows.map((row) => ({ ...row, age: formatAge(row.seen_at, now) }));
}
