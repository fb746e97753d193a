/**
 * @module test/contracts/store.samples
 * Valid rows for every collection, for the Store contract. `SAMPLES[name](i)` gives a distinct row for
 * each `i`; every column (key and non-key) depends on `i`, so `updatedSample` can change every non-key
 * column. Nullable columns are null for odd `i` and set for even `i`, so an update flips null ↔ value
 * both ways. Strings are plain lowercase ASCII with zero-padded numbers so that every backend's collation
 * sorts them exactly as JavaScript does.
 */
import { COLLECTIONS, COLLECTION_NAMES } from '../../src/core/collections.ts';
import type { Json } from '../../src/core/collections.ts';
import type { CollectionName, ROWS, Where } from '../../src/core/store.ts';

export { COLLECTION_NAMES };

/** `[from, from + 1, …]`, `n` numbers. */
export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Zero-padded, so string order equals numeric order. */
export const pad = (i: number): string => String(i).padStart(5, '0');

/** `value` for even `i`, null for odd: both sides of every nullable column get exercised. */
const maybe = <T>(i: number, value: T): T | null => (i % 2 === 0 ? value : null);

const cached = (i: number) => ({ source: `source-${pad(i)}`, seen_at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() });

/** A JSON document with nesting, arrays, nulls, booleans, floats, empty containers and the row's number. */
export const document = (i: number): Json => ({
  n: i,
  ratio: i + 0.25,
  negative: -i - 1,
  flag: i % 2 === 0,
  nothing: null,
  empty: {},
  none: [],
  text: `doc ${pad(i)}`,
  nested: { list: [1, 'two', null, { deep: { deeper: [i, true, false] } }], map: { a: 'x', b: null } },
});

export const SAMPLES: { [K in CollectionName]: (i: number) => ROWS[K] } = {
  defaults: (i) => ({ scope: i % 3 === 0 ? 'general' : `cloud-${i % 3}`, key: `key-${pad(i)}`, value: `value-${pad(i)}`, ...cached(i) }),
  vars: (i) => ({ name: `var-${pad(i)}`, value: `value-${pad(i)}`, ...cached(i) }),
  vms: (i) => ({
    cloud: `cloud-${i % 3}`,
    name: `vm-${pad(i)}`,
    id: `id-${pad(i)}`,
    status: `status-${i % 4}`,
    image: maybe(i, `image-${pad(i)}`),
    flavor: maybe(i, `flavor-${pad(i)}`),
    key: maybe(i, `key-${pad(i)}`),
    group_name: maybe(i, `group-${pad(i)}`),
    public_ip: maybe(i, `10.0.${Math.floor(i / 250) % 250}.${i % 250}`),
    private_ip: maybe(i, `192.168.${Math.floor(i / 250) % 250}.${i % 250}`),
    created_at: maybe(i, new Date(Date.UTC(2023, 5, 1, 0, i)).toISOString()),
    data: document(i),
    ...cached(i),
  }),
  images: (i) => ({ cloud: `cloud-${i % 3}`, id: `image-${pad(i)}`, name: `ubuntu-${pad(i)}`, status: maybe(i, `status-${pad(i)}`), data: document(i), ...cached(i) }),
  flavors: (i) => ({
    cloud: `cloud-${i % 3}`,
    id: `flavor-${pad(i)}`,
    name: `m1.size-${pad(i)}`,
    // 0 is a real value that must not turn into null.
    vcpus: maybe(i, i % 64),
    ram_mb: maybe(i, 512 * (i + 1)),
    disk_gb: maybe(i, 10 + i),
    data: document(i),
    ...cached(i),
  }),
  keys: (i) => ({
    cloud: i % 2 === 0 ? 'local' : `cloud-${i % 3}`,
    name: `key-${pad(i)}`,
    fingerprint: maybe(i, `SHA256:fp${pad(i)}`),
    public_key: maybe(i, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${pad(i)} user@host-${pad(i)}`),
    ...cached(i),
  }),
  secgroups: (i) => ({ cloud: `cloud-${i % 3}`, name: `secgroup-${pad(i)}`, rules: { ingress: [{ port: 22 + i, cidr: '0.0.0.0/0' }], doc: document(i) }, ...cached(i) }),
  groups: (i) => ({ name: `group-${i % 4}`, member_kind: i % 2 === 0 ? 'vm' : 'job', member: `member-${pad(i)}`, ...cached(i) }),
  jobs: (i) => ({
    cluster: `cluster-${i % 3}`,
    id: `${100000 + i}`,
    name: `job-${pad(i)}`,
    state: `state-${i % 5}`,
    // Exit code 0 must stay 0, not null or false.
    exit_code: maybe(i, i % 7),
    submitted_at: new Date(Date.UTC(2024, 1, 1, 0, i)).toISOString(),
    started_at: maybe(i, new Date(Date.UTC(2024, 1, 1, 1, i)).toISOString()),
    ended_at: maybe(i, new Date(Date.UTC(2024, 1, 1, 2, i)).toISOString()),
    dir: maybe(i, `/scratch/run-${pad(i)}`),
    reason: maybe(i, `reason-${pad(i)}`),
    spec: { command: ['python', 'train.py', `--seed=${i}`], options: document(i) },
    ...cached(i),
  }),
  clusters: (i) => ({ name: `cluster-${pad(i)}`, kind: i % 2 === 0 ? 'slurm' : 'local', spec: { host: `login-${pad(i)}`, doc: document(i) }, ...cached(i) }),
  audit: (i) => ({
    id: `audit-${pad(i)}`,
    time: new Date(Date.UTC(2024, 2, 1, 0, 0, i)).toISOString(),
    user: `user-${i % 3}`,
    face: i % 2 === 0 ? 'cli' : 'rest',
    command: `command-${pad(i)}`,
    args: `--flag ${pad(i)} --password ****`,
    result: i % 2 === 0 ? 'ok' : 'error',
    exit_code: i % 3,
  }),
  counters: (i) => ({ name: `counter-${pad(i)}`, value: i * 3 }),
};

/** The key columns of `row`, as the argument of `get` and `delete`. */
export function keyOf<K extends CollectionName>(name: K, row: ROWS[K]): Partial<ROWS[K]> & Where<ROWS[K]> {
  const key: Record<string, unknown> = {};
  for (const column of COLLECTIONS[name].key as readonly string[]) key[column] = (row as unknown as Record<string, unknown>)[column];
  return key as Partial<ROWS[K]> & Where<ROWS[K]>;
}

/** Row `i` with every non-key column taken from another sample, so an upsert has something to change. */
export function updatedSample<K extends CollectionName>(name: K, i: number): ROWS[K] {
  const sample = SAMPLES[name] as (i: number) => ROWS[K];
  return { ...sample(i + 1001), ...keyOf(name, sample(i)) } as ROWS[K];
}

/** The non-key columns of a collection: the ones an update must change. */
export function valueColumns(name: CollectionName): string[] {
  const layout = COLLECTIONS[name] as { key: readonly string[]; columns: readonly string[] };
  return layout.columns.filter((column) => !layout.key.includes(column));
}

/** `rows` sorted as `ORDER BY` would sort them: code-point order, which plain ASCII keeps equal across collations. */
export function sortRows<R>(rows: readonly R[], order: readonly { column: keyof R & string; direction?: 'asc' | 'desc' }[]): R[] {
  return [...rows].sort((a, b) => {
    for (const { column, direction } of order) {
      const x = a[column] as unknown as string | number;
      const y = b[column] as unknown as string | number;
      if (x === y) continue;
      const sign = x < y ? -1 : 1;
      return direction === 'desc' ? -sign : sign;
    }
    return 0;
  });
}

/** `rows` in key order: what `list()` without `orderBy` returns. */
export function inKeyOrder<K extends CollectionName>(name: K, rows: readonly ROWS[K][]): ROWS[K][] {
  const key = COLLECTIONS[name].key as readonly (keyof ROWS[K] & string)[];
  return sortRows(rows, key.map((column) => ({ column })));
}
