/**
 * @module services/age
 * Adds an `age` field (how long ago `seen_at` was) to cached rows, so every face shows how fresh a row is.
 */

/** `12s`, `5m`, `3h`, `2d`; '' when unknown. */
export function ageOf(iso: string | null | undefined, now: Date): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.floor((now.getTime() - new Date(iso).getTime()) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** A copy of each row with `age` computed from its `seen_at`. */
export function withAge<R extends { seen_at: string }>(rows: readonly R[], now: Date): (R & { age: string })[] {
  return rows.map((row) => ({ ...row, age: ageOf(row.seen_at, now) }));
}
