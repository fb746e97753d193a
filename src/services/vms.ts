/**
 * @module services/vms
 * What a user means by "boot three VMs" or "stop web-*": defaults filled in, names drawn from the
 * counter, calls to each cloud made in parallel within its rate budget, and the cache kept true. A boot
 * is recorded before the cloud is asked, with an idempotency token, so a retried boot (by the budget, or by
 * the user re-running `vm boot --name X` after a crash) finds the same VM instead of making a second one.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '../core/command.ts';
import type { FlavorRow, ImageRow, VmRow } from '../core/collections.ts';
import { CM_TAGS, type VmSpec } from '../core/compute.ts';
import { UserError } from '../core/errors.ts';
import { activeClouds, resolveCloud } from './clouds.ts';
import { setDefault } from './defaults.ts';
import { addToGroup } from './groups.ts';
import { findInCatalog } from './images.ts';
import { bootSettings, type BootOptions, type BootSettings } from './vm-defaults.ts';
import { counterName, formatVmName, nextVmNames, requestedNames } from './vm-names.ts';
import { callCloud, providerOf } from './vm-call.ts';
import { errorText, mapLimit } from './vm-parallel.ts';
import { BOOTING, refreshClouds, toVmRow, type RefreshReport } from './vm-refresh.ts';

export type { RefreshReport } from './vm-refresh.ts';
export { actOnVms, selectRows, type ActionResult, type VmAction } from './vm-actions.ts';

/** A request to boot one or more VMs; any setting left out comes from the defaults. */
export interface BootRequest extends BootOptions {
  cloud?: string;
  /** Names or hostlists (`web-[1-3]`); without them, `count` names `<user>-<NNN>` are drawn. */
  names?: string[];
  count?: number;
  userData?: string;
}

/** One VM's outcome. `status` is the cloud's state, `would boot` under --dry-run, or `ERROR`. */
export interface BootResult {
  cloud: string;
  name: string;
  id: string | null;
  status: string;
  error?: string;
}

/** How many boots go to one cloud at once (the rate budget bounds all requests further). */
const BOOT_PARALLELISM = 10;

/** The settings and names a boot would use, without booting: `vm boot --dry-run` and `vm default`. */
export async function planBoot(
  ctx: Context,
  request: BootRequest,
  options: { preview?: boolean } = {},
): Promise<{ cloud: string; settings: BootSettings; names: string[]; image?: ImageRow; flavor?: FlavorRow }> {
  const cloud = await resolveCloud(ctx, request.cloud);
  const settings = await bootSettings(ctx, cloud, {
    ...(request.image ? { image: request.image } : {}),
    ...(request.flavor ? { flavor: request.flavor } : {}),
    ...(request.key ? { key: request.key } : {}),
    ...(request.secgroups?.length ? { secgroups: request.secgroups } : {}),
    ...(request.network ? { network: request.network } : {}),
    ...(request.group ? { group: request.group } : {}),
  });
  const wanted = requestedNames(request.names, request.count);
  // Unknown image or flavor: one clear error (with close matches) before a name is drawn or a VM booted.
  const image = options.preview ? undefined : await findInCatalog(ctx, 'images', cloud, settings.image);
  const flavor = options.preview ? undefined : await findInCatalog(ctx, 'flavors', cloud, settings.flavor);
  let names: string[];
  if ('names' in wanted) names = wanted.names;
  else if (ctx.dryRun || options.preview) {
    // A plan must not use up counter values: show the next names without drawing them.
    const user = await ctx.user();
    const counter = (await (await ctx.store()).collection('counters').get({ name: counterName(user) }))?.value ?? 0;
    names = Array.from({ length: wanted.generate }, (_, i) => formatVmName(user, counter + i + 1));
  } else {
    const store = await ctx.store();
    const taken = new Set((await store.collection('vms').list()).map((row) => row.name));
    names = await nextVmNames(store, await ctx.user(), wanted.generate, taken);
  }
  return { cloud, settings, names, ...(image ? { image } : {}), ...(flavor ? { flavor } : {}) };
}

/**
 * Boot VMs in parallel. Each is recorded as BOOTING with its token before the cloud is asked, then with
 * what the cloud answered; each joins the group. A name that already has a VM on the cloud is refused
 * for that name only. Never throws for one VM's failure: see each result.
 */
export async function bootVms(ctx: Context, request: BootRequest): Promise<BootResult[]> {
  const { cloud, settings, names, image, flavor } = await planBoot(ctx, request);
  if (ctx.dryRun) return names.map((name) => ({ cloud, name, id: null, status: 'would boot' }));

  // Opened before anything is recorded, so a cloud that cannot be reached fails with one clear error and no rows.
  await providerOf(ctx, cloud);
  const store = await ctx.store();
  const user = await ctx.user();
  const seenAt = ctx.now().toISOString();
  const vms = store.collection('vms');
  const results = new Map<string, BootResult>();
  const tokens = new Map<string, string>();
  await store.transaction(async (tx) => {
    const rows = tx.collection('vms');
    for (const name of names) {
      const existing = await rows.get({ cloud, name });
      if (existing?.id) {
        results.set(name, { cloud, name, id: existing.id, status: existing.status, error: `a VM named "${name}" already exists on ${cloud} (cm vm delete ${name}, or cm vm refresh if it is gone)` });
        continue;
      }
      // An interrupted or failed earlier boot of this name left its token: reuse it, so the cloud returns that VM if it made one.
      const token = typeof existing?.data.token === 'string' ? existing.data.token : `cm-${randomBytes(12).toString('hex')}`;
      tokens.set(name, token);
      await rows.put(pendingRow(cloud, name, settings, token, seenAt));
    }
    await addToGroup(ctx, settings.group, [...tokens.keys()], 'vm', tx);
  });

  await mapLimit([...tokens], BOOT_PARALLELISM, async ([name, token]) => {
    const spec: VmSpec = {
      name,
      image: image?.id ?? settings.image,
      flavor: flavor?.id ?? settings.flavor,
      ...(settings.key ? { key: settings.key } : {}),
      ...(settings.secgroups.length ? { secgroups: settings.secgroups } : {}),
      ...(settings.network ? { network: settings.network } : {}),
      group: settings.group,
      ...(request.userData ? { userData: request.userData } : {}),
      metadata: { [CM_TAGS.name]: name, [CM_TAGS.group]: settings.group, [CM_TAGS.user]: user, [CM_TAGS.token]: token },
      clientToken: token,
    };
    try {
      // The provider may repeat the request after a lost answer: the token makes the cloud hand back the first VM.
      const vm = await callCloud(ctx, cloud, `boot ${name}`, (provider) => provider.boot(spec));
      const row = toVmRow(cloud, { ...vm, group: vm.group ?? settings.group }, ctx.now().toISOString());
      // The cloud may echo the id we sent; the cache shows the name the user knows it by.
      row.image = !row.image || row.image === image?.id ? (image?.name ?? settings.image) : row.image;
      row.flavor = !row.flavor || row.flavor === flavor?.id ? (flavor?.name ?? settings.flavor) : row.flavor;
      row.data = { ...row.data, token };
      await vms.put(row);
      results.set(name, { cloud, name, id: vm.id, status: vm.state });
    } catch (error) {
      // Keep the row (with its token) as ERROR: a retry of this name then reuses the token, and a
      // refresh removes the row if the cloud never made the VM.
      await vms.put({ ...pendingRow(cloud, name, settings, token, ctx.now().toISOString()), status: 'ERROR', data: { token, error: errorText(error) } });
      results.set(name, { cloud, name, id: null, status: 'ERROR', error: errorText(error) });
    }
  });
  const booted = names.filter((name) => results.get(name)?.id && !results.get(name)?.error);
  if (booted.length > 0) await setDefault(ctx, 'vm', booted[booted.length - 1]!);
  return names.map((name) => results.get(name)!);
}

function pendingRow(cloud: string, name: string, settings: BootSettings, token: string, seenAt: string): VmRow {
  return {
    cloud,
    name,
    id: '',
    status: BOOTING,
    image: settings.image,
    flavor: settings.flavor,
    key: settings.key ?? null,
    group_name: settings.group,
    public_ip: null,
    private_ip: null,
    created_at: null,
    data: { token },
    source: cloud,
    seen_at: seenAt,
  };
}

/**
 * Refresh the VM cache of the named clouds (every active cloud when none is named): one list call per
 * cloud, all clouds at once, one transaction per cloud. Each cloud's time and error are in its report.
 */
export async function refreshVms(ctx: Context, clouds?: string[]): Promise<RefreshReport[]> {
  const names = clouds?.length ? clouds : await activeClouds(ctx);
  if (names.length === 0) throw new UserError('no active cloud to refresh', { hint: 'cm cloud list; cm cloud activate NAME' });
  return refreshClouds(ctx, names);
}

/** Cached VMs (optionally of some clouds), ordered by cloud and name. */
export async function cachedVms(ctx: Context, clouds?: readonly string[]): Promise<VmRow[]> {
  return (await ctx.store()).collection('vms').list({
    ...(clouds?.length ? { where: { cloud: clouds } } : {}),
    orderBy: [{ column: 'cloud' }, { column: 'name' }],
  });
}
