/**
 * @module core/age
 * How old a piece of cached knowledge is, in the short form every face shows (`12s`, `5m`, `3h`, `2d`).
 */

/**
 * Age of `iso` at `now`, each unit floored. '' for null or an unparseable time; a time in the future
 * (clock skew between hosts) clamps to `0s`.
 */
export function formatAge(iso: string | null | undefined, now: Date): string {
  if (iso === null || iso === undefined) return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.floor((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
