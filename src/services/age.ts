/**
 * @module services/age
 * Adds an `age` field (how long ago `seen_at` was) to cached rows, so every face shows how fresh a row is.
 */
import { formatAge } from '../core/age.ts';

/** A copy of each row with `age` computed from its `seen_at`. */
export function withAge<R extends { seen_at: string }>(rows: readonly R[], now: Date): (R & { age: string })[] {
  // Rows fetched together share their `seen_at`: parse each distinct time once, not once per row.
  const ages = new Map<string, string>();
  return rows.map((row) => {
    let age = ages.get(row.seen_at);
    if (age === undefined) ages.set(row.seen_at, (age = formatAge(row.seen_at, now)));
    return { ...row, age };
  });
}
