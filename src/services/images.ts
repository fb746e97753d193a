/**
 * @module services/images
 * The image and flavor catalogs of each cloud, cached in the store like VMs: `refresh` asks the cloud once
 * and replaces that cloud's rows in one transaction; `list` reads the cache (fetching when it is empty or
 * `--refresh` is given). `findInCatalog` resolves what the user typed (a name or an id) and, when nothing
 * matches even after a fresh listing, fails with the closest names so the typo is obvious.
 */
import type { Context } from '../core/command.ts';
import type { FlavorRow, ImageRow } from '../core/collections.ts';
import type { ComputeProvider, Flavor, Image } from '../core/compute.ts';
import { NotFoundError } from '../core/errors.ts';
import { editDistance } from '../core/suggest.ts';
import { withAge } from './age.ts';
import { callCloud, providerOf } from './vm-call.ts';
import { errorText } from './vm-parallel.ts';

export type CatalogKind = 'images' | 'flavors';
type CatalogRow<K extends CatalogKind> = K extends 'images' ? ImageRow : FlavorRow;

/** What one cloud's catalog refresh did. */
export interface CatalogReport {
  cloud: string;
  ok: boolean;
  count: number;
  ms: number;
  error?: string;
}

function imageRow(cloud: string, image: Image, seenAt: string): ImageRow {
  return { cloud, id: image.id, name: image.name, status: image.status, data: image.data, source: cloud, seen_at: seenAt };
}

function flavorRow(cloud: string, flavor: Flavor, seenAt: string): FlavorRow {
  return {
    cloud,
    id: flavor.id,
    name: flavor.name,
    vcpus: flavor.vcpus,
    ram_mb: flavor.ramMb,
    disk_gb: flavor.diskGb,
    data: flavor.data,
    source: cloud,
    seen_at: seenAt,
  };
}

async function fetchRows<K extends CatalogKind>(ctx: Context, kind: K, cloud: string): Promise<CatalogRow<K>[]> {
  const seenAt = ctx.now().toISOString();
  const items = await callCloud<(Image | Flavor)[]>(ctx, cloud, `list ${kind}`, (provider: ComputeProvider) => (kind === 'images' ? provider.listImages() : provider.listFlavors()));
  return items.map((item) => (kind === 'images' ? imageRow(cloud, item as Image, seenAt) : flavorRow(cloud, item as Flavor, seenAt))) as CatalogRow<K>[];
}

/** Ask the cloud for its catalog and replace the cached one (one transaction). Throws on failure. */
export async function refreshCatalogOf<K extends CatalogKind>(ctx: Context, kind: K, cloud: string): Promise<CatalogRow<K>[]> {
  const rows = await fetchRows(ctx, kind, cloud);
  const store = await ctx.store();
  // The two collections have different row types; the union keeps one code path for both.
  await (store.collection(kind) as unknown as { replace(scope: { cloud: string }, rows: readonly CatalogRow<K>[]): Promise<unknown> }).replace({ cloud }, rows);
  return rows;
}

/** Refresh the catalog of several clouds at once; each cloud's outcome stands alone. */
export async function refreshCatalogs(ctx: Context, kind: CatalogKind, clouds: readonly string[]): Promise<CatalogReport[]> {
  return Promise.all(
    clouds.map(async (cloud) => {
      const started = performance.now();
      try {
        const rows = await refreshCatalogOf(ctx, kind, cloud);
        return { cloud, ok: true, count: rows.length, ms: Math.round(performance.now() - started) };
      } catch (error) {
        return { cloud, ok: false, count: 0, ms: Math.round(performance.now() - started), error: errorText(error) };
      }
    }),
  );
}

async function cached<K extends CatalogKind>(ctx: Context, kind: K, cloud: string): Promise<CatalogRow<K>[]> {
  const collection = (await ctx.store()).collection(kind) as unknown as { list(q: object): Promise<CatalogRow<K>[]> };
  return collection.list({ where: { cloud }, orderBy: [{ column: 'name' }, { column: 'id' }] });
}

/**
 * Cached catalog rows of the clouds, with age. A cloud whose cache is empty (or every cloud, with
 * `refresh`) is fetched first; a cloud that fails then is reported in `failures`, the others are listed.
 */
export async function listCatalog<K extends CatalogKind>(ctx: Context, kind: K, clouds: readonly string[], refresh = false): Promise<{ rows: (CatalogRow<K> & { age: string })[]; failures: CatalogReport[] }> {
  const failures: CatalogReport[] = [];
  const perCloud = await Promise.all(
    clouds.map(async (cloud) => {
      let rows = await cached(ctx, kind, cloud);
      if (refresh || rows.length === 0) {
        try {
          await refreshCatalogOf(ctx, kind, cloud);
          rows = await cached(ctx, kind, cloud);
        } catch (error) {
          failures.push({ cloud, ok: false, count: 0, ms: 0, error: errorText(error) });
        }
      }
      return rows;
    }),
  );
  return { rows: withAge(perCloud.flat(), ctx.now()), failures };
}

/** Up to `n` candidates closest to `input`, nearest first (prefix and substring matches rank high). */
export function closeMatches(input: string, candidates: Iterable<string>, n = 3): string[] {
  const lower = input.toLowerCase();
  const scored = [...new Set(candidates)].map((candidate) => {
    const c = candidate.toLowerCase();
    // `busybx` is close to `cm/busybox:local`: compare with the name's parts too (registry, repo, tag, version).
    const parts = c.split(/[/:@ _]+/).filter(Boolean);
    const score = c === lower ? 0 : c.startsWith(lower) || c.includes(lower) ? 1 : Math.min(editDistance(lower, c), ...parts.map((p) => editDistance(lower, p) + 1));
    return { candidate, score };
  });
  const limit = Math.max(3, Math.ceil(input.length / 2));
  return scored
    .filter((s) => s.score <= limit)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, n)
    .map((s) => s.candidate);
}

/**
 * The image or flavor `wanted` names on `cloud` (by id, else by exact name, else by case-insensitive
 * name). Looks in the cache, then asks the cloud once if it is not there. When the provider cannot list
 * the catalog, `undefined` (the cloud will judge the name itself).
 */
export async function findInCatalog<K extends CatalogKind>(ctx: Context, kind: K, cloud: string, wanted: string): Promise<CatalogRow<K> | undefined> {
  const match = (rows: CatalogRow<K>[]) =>
    rows.find((r) => r.id === wanted) ?? rows.find((r) => r.name === wanted) ?? rows.find((r) => r.name.toLowerCase() === wanted.toLowerCase());
  const rows = await cached(ctx, kind, cloud);
  const hit = match(rows);
  if (hit) return hit;
  const provider = await providerOf(ctx, cloud);
  if (provider.capabilities()[kind === 'images' ? 'listImages' : 'listFlavors'] !== true) return undefined;
  const fresh = await refreshCatalogOf(ctx, kind, cloud);
  const found = match(fresh);
  if (found) return found;
  const what = kind === 'images' ? 'image' : 'flavor';
  const close = closeMatches(wanted, fresh.map((r) => r.name));
  // An id the listing does not show may still be valid: some catalogs are filtered (EC2 lists only the
  // AMIs the cloud's settings ask for, never every public one). With nothing close to it, the cloud judges.
  if (close.length === 0 && looksLikeId(wanted)) return undefined;
  throw new NotFoundError(
    `no ${what} "${wanted}" on cloud "${cloud}"${close.length ? `; close matches: ${close.map((c) => `"${c}"`).join(', ')}` : ''}`,
    { hint: `see cm ${what} list --cloud ${cloud}` },
  );
}

/** An image/flavor id of a common form: a UUID, `ami-…`, `sha256:…`, or long hex. */
export function looksLikeId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) || /^(ami|aki|ari)-[0-9a-f]{8,17}$/.test(value) || /^(sha256:)?[0-9a-f]{12,64}$/.test(value);
}
