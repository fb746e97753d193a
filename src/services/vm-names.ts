/**
 * @module services/vm-names
 * VM names: the `<user>-<NNN>` counter `vm boot` draws from, and picking VMs by names, globs and
 * hostlists. The counter lives in the store's `counters` collection (atomic on every backend), and a
 * refresh raises it past the largest number already in use, so a name is never handed out twice even
 * when VMs were booted by another client.
 */
import type { VmRow } from '../core/collections.ts';
import type { Store } from '../core/store.ts';
import { expandNames, globMatch } from '../core/hostlist.ts';
import { UserError } from '../core/errors.ts';

/** Zero-padded width of generated numbers: `ada-007`. */
const WIDTH = 3;

/** The counter that numbers `user`'s VMs. */
export function counterName(user: string): string {
  return `vm-name:${user}`;
}

/** `ada`, 7 → `ada-007`. */
export function formatVmName(user: string, n: number): string {
  return `${user}-${String(n).padStart(WIDTH, '0')}`;
}

/** The number in a generated name of `user` (`ada-012` → 12), or undefined for any other name. */
export function vmNameNumber(user: string, name: string): number | undefined {
  if (!name.startsWith(`${user}-`)) return undefined;
  const rest = name.slice(user.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** The largest number used by `user`'s generated names among `names` (0 when none). */
export function highestVmNumber(user: string, names: Iterable<string>): number {
  let max = 0;
  for (const name of names) {
    const n = vmNameNumber(user, name);
    if (n !== undefined && n > max) max = n;
  }
  return max;
}

/**
 * Draw `count` fresh names for `user`, skipping any already `taken` (a VM of that name exists somewhere),
 * so a counter that fell behind (a fresh database) still never repeats a name.
 */
export async function nextVmNames(store: Store, user: string, count: number, taken: ReadonlySet<string>): Promise<string[]> {
  const names: string[] = [];
  while (names.length < count) {
    const name = formatVmName(user, await store.nextCounter(counterName(user)));
    if (!taken.has(name)) names.push(name);
  }
  return names;
}

/** Raise `user`'s counter to at least `atLeast` (it never goes down). Run inside the refresh transaction. */
export async function raiseCounter(store: Store, user: string, atLeast: number): Promise<void> {
  if (atLeast <= 0) return;
  const counters = store.collection('counters');
  const name = counterName(user);
  const current = (await counters.get({ name }))?.value ?? 0;
  if (atLeast > current) await counters.put({ name, value: atLeast });
}

/** What the user typed to pick VMs, and the rows each expression matched. */
export interface Selection {
  rows: VmRow[];
  /** Expressions that matched no VM (a plain name, glob or hostlist member). */
  unmatched: string[];
}

/**
 * Pick rows by names, globs (`web-*`) and hostlists (`web-[001-003]`). Each hostlist member and each plain
 * name must match; a glob may match none (it is reported unmatched only if it matched nothing at all).
 * Rows come back once each, in the order first matched.
 */
export function selectVms(rows: readonly VmRow[], expressions: readonly string[]): Selection {
  const patterns = expandNames(expressions);
  const picked = new Map<string, VmRow>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const isGlob = /[*?]/.test(pattern);
    const hits = rows.filter((row) => (isGlob ? globMatch(pattern, row.name) : row.name === pattern || row.id === pattern));
    if (hits.length === 0) unmatched.push(pattern);
    for (const row of hits) picked.set(`${row.cloud}\u0000${row.name}`, row);
  }
  return { rows: [...picked.values()], unmatched };
}

/**
 * The names to boot: hostlist-expanded `names` when given (their count must agree with `count` if both are
 * given), else `count` generated names.
 */
export function requestedNames(names: readonly string[] | undefined, count: number | undefined): { names: string[] } | { generate: number } {
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UserError(`--n must be a whole number of at least 1; got ${count}`);
  if (!names || names.length === 0) return { generate: count ?? 1 };
  const expanded = expandNames(names);
  if (count !== undefined && count !== expanded.length) {
    throw new UserError(`--n ${count} does not match the ${expanded.length} name(s) given`, { hint: 'for several named VMs give a hostlist: --name "web-[1-3]"' });
  }
  for (const name of expanded) checkVmName(name);
  return { names: expanded };
}

/** Refuse names no cloud accepts, before anything is booted. Quotes and metacharacters are kept literal. */
export function checkVmName(name: string): string {
  if (name.length === 0 || name.length > 255) throw new UserError(`a VM name must be 1 to 255 characters; got ${JSON.stringify(name)}`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new UserError(`a VM name cannot hold control characters: ${JSON.stringify(name)}`);
  if (/[*?[\]]/.test(name)) throw new UserError(`a VM name cannot hold glob or hostlist characters (* ? [ ]): ${JSON.stringify(name)}`);
  return name;
}
