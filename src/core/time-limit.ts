/**
 * @module core/time-limit
 * Wall-time limits as every scheduler accepts them from the user: `minutes`, `MM:SS`, `HH:MM:SS` and
 * `D-HH:MM:SS` (Slurm's common forms). One parser, so `--time` means the same on every cluster.
 */
import { UserError } from './errors.ts';

/** A limit in seconds. Zero or malformed limits are the user's mistake, reported before anything starts. */
export function parseTimeLimit(text: string): number {
  const bad = () => new UserError(`invalid time limit '${text}'`, { hint: 'use minutes, MM:SS, HH:MM:SS or D-HH:MM:SS' });
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  if (!match) throw bad();
  const [, days, a, b, c] = match;
  const clock = (h: number, m: number, s: number) => {
    if (m > 59 || s > 59) throw bad();
    return h * 3600 + m * 60 + s;
  };
  let seconds: number;
  if (days !== undefined) {
    // D-HH:MM:SS needs all three clock parts here; D-HH alone is ambiguous with a typo.
    if (b === undefined || c === undefined) throw bad();
    seconds = Number(days) * 86_400 + clock(Number(a), Number(b), Number(c));
  } else if (b === undefined) {
    seconds = Number(a) * 60;
  } else if (c === undefined) {
    if (Number(b) > 59) throw bad();
    seconds = Number(a) * 60 + Number(b);
  } else {
    seconds = clock(Number(a), Number(b), Number(c));
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw bad();
  return seconds;
}
