/**
 * @module services/clouds
 * Which clouds a command is about. A cloud named on the command line wins; otherwise the `cloud` default;
 * otherwise the only (or first active) registered cloud. "All" means every active cloud: a registered
 * cloud is active unless `cm cloud deactivate` set `active: false` on it, so registering is enough to use it.
 */
import type { Context } from '../core/command.ts';
import type { CloudConfig } from '../core/config.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { findDefault } from './defaults.ts';
import { cloudDeadlineMs } from './vm-call.ts';
import { errorText, withDeadline } from './vm-parallel.ts';

/** True when "all clouds" includes this one. */
export function isActive(config: CloudConfig): boolean {
  return config.active !== false;
}

/** The registered cloud named `name`, or a NotFoundError with close matches. */
export async function cloudConfig(ctx: Context, name: string): Promise<CloudConfig> {
  const clouds = (await ctx.config()).clouds;
  const found = clouds[name];
  if (!found) {
    throw new NotFoundError(`no cloud named "${name}"${didYouMean(name, Object.keys(clouds))}`, {
      hint: 'registered clouds: ' + (Object.keys(clouds).join(', ') || 'none (add one with cm register)'),
    });
  }
  return found;
}

/** The cloud to use when the user named none (or the one named, checked to exist). */
export async function resolveCloud(ctx: Context, cloud?: string): Promise<string> {
  if (cloud) {
    await cloudConfig(ctx, cloud);
    return cloud;
  }
  const fromDefault = (await findDefault(ctx, 'cloud'))?.value;
  if (fromDefault) {
    await cloudConfig(ctx, fromDefault);
    return fromDefault;
  }
  const clouds = Object.entries((await ctx.config()).clouds);
  const active = clouds.filter(([, c]) => isActive(c));
  if (active.length > 0) return active[0]![0];
  throw new UserError(clouds.length === 0 ? 'no cloud is registered' : 'no cloud is active', {
    hint: clouds.length === 0 ? 'add one with cm register clouds.yaml FILE, cm register openrc FILE or cm register aws' : 'cm cloud activate NAME, or pass --cloud NAME',
  });
}

/** Every active cloud, in the order of the config file. */
export async function activeClouds(ctx: Context): Promise<string[]> {
  return Object.entries((await ctx.config()).clouds)
    .filter(([, c]) => isActive(c))
    .map(([name]) => name);
}

/**
 * The clouds a command spanning clouds works on: the ones named (comma-separated words allowed), or every
 * active cloud with `all`, or the single resolved cloud.
 */
export async function selectClouds(ctx: Context, cloud: string | undefined, all?: boolean): Promise<string[]> {
  if (cloud === 'all' || (all && !cloud)) return activeClouds(ctx);
  if (cloud?.includes(',')) {
    const names = cloud.split(',').map((c) => c.trim()).filter(Boolean);
    for (const name of names) await cloudConfig(ctx, name);
    return names;
  }
  return [await resolveCloud(ctx, cloud)];
}

/** One row of `cm cloud list`. */
export interface CloudRow {
  cloud: string;
  kind: string;
  active: boolean;
  default: boolean;
  vms: number;
  /** Per-cloud defaults set in cloudmesh.yaml (image, flavor …). */
  defaults: string;
}

export async function listClouds(ctx: Context): Promise<CloudRow[]> {
  const config = await ctx.config();
  const current = (await findDefault(ctx, 'cloud'))?.value;
  const vms = (await ctx.store()).collection('vms');
  const rows: CloudRow[] = [];
  for (const [name, cloud] of Object.entries(config.clouds)) {
    rows.push({
      cloud: name,
      kind: cloud.kind,
      active: isActive(cloud),
      default: name === current,
      vms: await vms.count({ cloud: name }),
      defaults: Object.entries(cloud.default ?? {}).map(([k, v]) => `${k}=${v}`).join(' '),
    });
  }
  return rows;
}

/** Set `active` on a cloud's entry in cloudmesh.yaml (the rest of the file is kept as written). */
export async function setActive(ctx: Context, name: string, active: boolean): Promise<{ cloud: string; active: boolean; changed: boolean; plan?: string }> {
  const current = await cloudConfig(ctx, name);
  const entry: Record<string, unknown> = { ...current };
  // `active` unset already means active: keep the file as it is rather than writing the default out.
  if (active) delete entry.active;
  else entry.active = false;
  const changed = isActive(current) !== active || (active && current.active !== undefined && current.active !== true);
  if (ctx.dryRun) return { cloud: name, active, changed: false, plan: changed ? `would set clouds.${name}.active to ${active}` : 'nothing to change' };
  if (!changed) return { cloud: name, active, changed: false };
  const { setConfigEntry } = await import('../config/edit.ts');
  const result = await setConfigEntry(ctx.home, 'clouds', name, entry, { env: ctx.env, now: ctx.now(), command: `cm cloud ${active ? 'activate' : 'deactivate'}` });
  return { cloud: name, active, changed: result.changed };
}

/** What `cm cloud check` found for one cloud. */
export interface CloudCheck {
  cloud: string;
  kind: string;
  ok: boolean;
  ms: number;
  vms: number | null;
  error?: string;
}

/**
 * Prove a cloud answers with its credentials: open the provider and list its VMs (the cheapest call every
 * provider has). Every cloud is checked at once; each result stands alone.
 */
export async function checkClouds(ctx: Context, names: string[]): Promise<CloudCheck[]> {
  const config = await ctx.config();
  return Promise.all(
    names.map(async (cloud): Promise<CloudCheck> => {
      const started = performance.now();
      const kind = config.clouds[cloud]?.kind ?? '?';
      try {
        // Not through the rate budget's retries: a check should say at once what is wrong.
        const timeoutMs = await cloudDeadlineMs(ctx, cloud);
        const provider = await withDeadline(ctx.compute(cloud), timeoutMs, `cloud "${cloud}"`, 'connect', ctx.signal);
        const vms = await withDeadline(provider.listVms(), timeoutMs, `cloud "${cloud}"`, 'list VMs', ctx.signal);
        return { cloud, kind, ok: true, ms: Math.round(performance.now() - started), vms: vms.length };
      } catch (error) {
        return { cloud, kind, ok: false, ms: Math.round(performance.now() - started), vms: null, error: errorText(error) };
      }
    }),
  );
}
