/**
 * @module core/collections
 * The rows each collection holds and which columns form its key. Pure data: the SQL stores build their
 * statements from it and the document stores their indexes, so a new collection is declared once here
 * (plus a migration that creates it).
 */

/** Every cached row says where it came from and when it was last seen there. */
export interface Cached {
  /** The cloud, cluster or face that produced the row (`local`, `user`, a cloud name, …). */
  source: string;
  /** ISO-8601 time the row was last confirmed by its source. */
  seen_at: string;
}

/** Free-form provider details kept beside the typed columns. */
export type Json = Record<string, unknown>;

export interface DefaultRow extends Cached {
  /** `general`, or the cloud/cluster the default applies to. */
  scope: string;
  key: string;
  value: string;
}
export interface VarRow extends Cached {
  name: string;
  value: string;
}
export interface VmRow extends Cached {
  cloud: string;
  name: string;
  /** The provider's own id. */
  id: string;
  status: string;
  image: string | null;
  flavor: string | null;
  key: string | null;
  group_name: string | null;
  public_ip: string | null;
  private_ip: string | null;
  created_at: string | null;
  data: Json;
}
export interface ImageRow extends Cached {
  cloud: string;
  id: string;
  name: string;
  status: string | null;
  data: Json;
}
export interface FlavorRow extends Cached {
  cloud: string;
  id: string;
  name: string;
  vcpus: number | null;
  ram_mb: number | null;
  disk_gb: number | null;
  data: Json;
}
export interface KeyRow extends Cached {
  /** `local` for the user's own key registry, else the cloud it was uploaded to. */
  cloud: string;
  name: string;
  fingerprint: string | null;
  public_key: string | null;
}
export interface SecgroupRow extends Cached {
  cloud: string;
  name: string;
  rules: Json;
}
export interface GroupRow extends Cached {
  name: string;
  /** `vm`, `job`, `container` … */
  member_kind: string;
  member: string;
}
export interface JobRow extends Cached {
  cluster: string;
  id: string;
  name: string;
  state: string;
  exit_code: number | null;
  submitted_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** Working directory on the cluster. */
  dir: string | null;
  reason: string | null;
  /** The submitted spec (command, options), for `hpc status` detail and re-runs. */
  spec: Json;
}
export interface ClusterRow extends Cached {
  name: string;
  kind: string;
  spec: Json;
}
export interface AuditRow {
  id: string;
  time: string;
  user: string;
  face: string;
  command: string;
  /** Arguments with every secret masked. */
  args: string;
  result: string;
  exit_code: number;
}
export interface CounterRow {
  name: string;
  value: number;
}

/** Row type of each collection. */
export interface ROWS {
  defaults: DefaultRow;
  vars: VarRow;
  vms: VmRow;
  images: ImageRow;
  flavors: FlavorRow;
  keys: KeyRow;
  secgroups: SecgroupRow;
  groups: GroupRow;
  jobs: JobRow;
  clusters: ClusterRow;
  audit: AuditRow;
  counters: CounterRow;
}

/** How a collection is laid out: its key and which columns hold JSON. */
export interface CollectionLayout<R> {
  key: readonly (keyof R & string)[];
  json: readonly (keyof R & string)[];
  columns: readonly (keyof R & string)[];
}

const cached = ['source', 'seen_at'] as const;

/** The layout of every collection, in the order `db info` lists them. */
export const COLLECTIONS: { [K in keyof ROWS]: CollectionLayout<ROWS[K]> } = {
  defaults: { key: ['scope', 'key'], json: [], columns: ['scope', 'key', 'value', ...cached] },
  vars: { key: ['name'], json: [], columns: ['name', 'value', ...cached] },
  vms: {
    key: ['cloud', 'name'],
    json: ['data'],
    columns: ['cloud', 'name', 'id', 'status', 'image', 'flavor', 'key', 'group_name', 'public_ip', 'private_ip',
      'created_at', 'data', ...cached],
  },
  images: { key: ['cloud', 'id'], json: ['data'], columns: ['cloud', 'id', 'name', 'status', 'data', ...cached] },
  flavors: {
    key: ['cloud', 'id'],
    json: ['data'],
    columns: ['cloud', 'id', 'name', 'vcpus', 'ram_mb', 'disk_gb', 'data', ...cached],
  },
  keys: { key: ['cloud', 'name'], json: [], columns: ['cloud', 'name', 'fingerprint', 'public_key', ...cached] },
  secgroups: { key: ['cloud', 'name'], json: ['rules'], columns: ['cloud', 'name', 'rules', ...cached] },
  groups: {
    key: ['name', 'member_kind', 'member'],
    json: [],
    columns: ['name', 'member_kind', 'member', ...cached],
  },
  jobs: {
    key: ['cluster', 'id'],
    json: ['spec'],
    columns: ['cluster', 'id', 'name', 'state', 'exit_code', 'submitted_at', 'started_at', 'ended_at', 'dir',
      'reason', 'spec', ...cached],
  },
  clusters: { key: ['name'], json: ['spec'], columns: ['name', 'kind', 'spec', ...cached] },
  audit: {
    key: ['id'],
    json: [],
    columns: ['id', 'time', 'user', 'face', 'command', 'args', 'result', 'exit_code'],
  },
  counters: { key: ['name'], json: [], columns: ['name', 'value'] },
};

/** Collection names in display order. */
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as (keyof ROWS)[];
