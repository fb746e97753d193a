/**
 * @module services/vm-defaults
 * What `vm boot` uses for each setting the user left out. For each key the first of these wins:
 * the option on the command line; `cm default KEY=V --cloud C`; `cm default KEY=V` (general); the cloud's
 * `default:` block in cloudmesh.yaml. Image and flavor have no built-in fallback (a wrong guess costs
 * money); the group falls back to `default`.
 */
import type { Context } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import { GENERAL } from './defaults.ts';

/** The settings a boot needs, after defaults. */
export interface BootSettings {
  image: string;
  flavor: string;
  key?: string;
  secgroups: string[];
  network?: string;
  group: string;
  /** Where each value came from (`option`, `default:C`, `default`, `cloudmesh.yaml`), for `--dry-run` and `vm default`. */
  from: Record<string, string>;
}

/** The explicit values of a boot request. */
export interface BootOptions {
  image?: string;
  flavor?: string;
  key?: string;
  secgroups?: string[];
  network?: string;
  group?: string;
}

export const BOOT_KEYS = ['image', 'flavor', 'key', 'secgroup', 'network', 'group'] as const;
export type BootKey = (typeof BOOT_KEYS)[number];

/** The sources of defaults for one cloud, as plain maps (so resolution is a pure function). */
export interface DefaultSources {
  cloud: string;
  /** `cm default K=V --cloud <cloud>`. */
  scoped: Record<string, string>;
  /** `cm default K=V`. */
  general: Record<string, string>;
  /** `clouds.<cloud>.default` in cloudmesh.yaml. */
  yaml: Record<string, string>;
}

/** Pure: apply the precedence to every key. Missing image or flavor is an error that says how to set one. */
export function resolveBootSettings(explicit: BootOptions, sources: DefaultSources): BootSettings {
  const from: Record<string, string> = {};
  const pick = (key: BootKey, given: string | undefined): string | undefined => {
    const candidates: [string | undefined, string][] = [
      [given, 'option'],
      [sources.scoped[key], `default:${sources.cloud}`],
      [sources.general[key], 'default'],
      [sources.yaml[key], 'cloudmesh.yaml'],
    ];
    for (const [value, source] of candidates) {
      if (value !== undefined && value !== '') {
        from[key] = source;
        return value;
      }
    }
    return undefined;
  };
  const image = pick('image', explicit.image);
  const flavor = pick('flavor', explicit.flavor);
  const missing = [image ? '' : 'image', flavor ? '' : 'flavor'].filter(Boolean);
  if (missing.length > 0) {
    throw new UserError(`no ${missing.join(' or ')} given for cloud "${sources.cloud}"`, {
      hint: missing.map((k) => `--${k} NAME, or cm default ${k}=NAME --cloud ${sources.cloud}`).join('; ') + ` (see cm ${missing[0]} list --cloud ${sources.cloud})`,
    });
  }
  const key = pick('key', explicit.key);
  const secgroup = pick('secgroup', explicit.secgroups?.length ? explicit.secgroups.join(',') : undefined);
  const network = pick('network', explicit.network);
  const group = pick('group', explicit.group) ?? 'default';
  from.group ??= 'built-in';
  return {
    image: image!,
    flavor: flavor!,
    ...(key ? { key } : {}),
    secgroups: secgroup ? secgroup.split(',').map((s) => s.trim()).filter(Boolean) : [],
    ...(network ? { network } : {}),
    group,
    from,
  };
}

/** Read the default sources of `cloud` from the store and the config. */
export async function defaultSources(ctx: Context, cloud: string): Promise<DefaultSources> {
  const rows = await (await ctx.store()).collection('defaults').list({ where: { scope: [cloud, GENERAL] } });
  const scoped: Record<string, string> = {};
  const general: Record<string, string> = {};
  for (const row of rows) (row.scope === cloud ? scoped : general)[row.key] = row.value;
  const yaml = { ...((await ctx.config()).clouds[cloud]?.default ?? {}) };
  return { cloud, scoped, general, yaml };
}

/** Settings for booting on `cloud`, from the request and the defaults. */
export async function bootSettings(ctx: Context, cloud: string, explicit: BootOptions): Promise<BootSettings> {
  return resolveBootSettings(explicit, await defaultSources(ctx, cloud));
}
