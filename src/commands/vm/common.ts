/**
 * @module commands/vm/common
 * Option specs and result shaping shared by the VM-side command groups (vm, image, flavor, key, secgroup,
 * quota, limits, cloud): one `--cloud` option, one names positional, and one way to turn per-item results
 * into exit code 1 plus a one-line summary when some items failed while the rest went through.
 */
import { outcome, type OptionSpec, type Outcome, type PositionalSpec } from '../../core/command.ts';

export const cloudOption: OptionSpec = {
  name: 'cloud',
  type: 'string',
  value: 'NAME',
  complete: 'cloud',
  description: 'Cloud to use (default: the "cloud" default, else the first active cloud); several as a,b or all',
};

export const allOption: OptionSpec = { name: 'all', short: 'a', type: 'boolean', description: 'Every active cloud' };

export const refreshOption: OptionSpec = { name: 'refresh', short: 'r', type: 'boolean', description: 'Ask the cloud(s) first instead of showing the cache' };

export const namesPositional: PositionalSpec = {
  name: 'names',
  variadic: true,
  complete: 'vm',
  description: 'VM names, globs (web-*) or hostlists (web-[001-003]); default: the last VM booted',
};

/**
 * Per-item results as data; exit 1 with "N of M failed: first error" when any item has `ok: false` (or a
 * non-empty `error`). Every item's row is printed either way.
 */
export function bulk<R extends { ok?: boolean; error?: string }>(results: R[], what: string): R[] | Outcome<R[]> {
  const failed = results.filter((r) => r.ok === false || (r.ok === undefined && r.error));
  if (failed.length === 0) return results;
  const first = failed[0]!.error ? `: ${failed[0]!.error}` : '';
  return outcome(results, { exitCode: 1, message: `${failed.length} of ${results.length} ${what} failed${first}` });
}

/** Data whose listing worked for some clouds: exit 1 naming the clouds that failed, the rest kept. */
export function partial<D>(data: D, failures: readonly { cloud: string; error?: string }[]): D | Outcome<D> {
  if (failures.length === 0) return data;
  return outcome(data, { exitCode: 1, message: failures.map((f) => `cloud "${f.cloud}" failed: ${f.error ?? 'unknown error'}`).join('\n') });
}
