/**
 * @module services/providers
 * `cm provider list|capabilities` and `cm quota|limits`. Capabilities are read from the provider code
 * that runs (`capabilities()` of a live instance), never from a hand-kept table: for a registered cloud
 * its own provider is asked; for a provider kind, a registered cloud of that kind if there is one, else
 * an instance made from the bare kind (providers connect lazily, so that costs no network call).
 */
import type { Context } from '../core/command.ts';
import { COMPUTE_OPERATIONS, type Capabilities, type ComputeProvider } from '../core/compute.ts';
import { NotFoundError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { callCloud } from './vm-call.ts';
import { errorText } from './vm-parallel.ts';

export interface ProviderRow {
  provider: string;
  summary: string;
  /** Registered clouds of this kind. */
  clouds: string;
  supported: string;
}

export interface CapabilityRow {
  provider: string;
  cloud: string;
  operation: string;
  supported: boolean;
  reason: string;
}

async function registry() {
  return (await import('../providers/compute/registry.ts')).COMPUTE_PROVIDERS;
}

/** Capabilities of a provider kind, or the reason they cannot be read. */
async function kindCapabilities(ctx: Context, kind: string): Promise<{ cloud: string; capabilities?: Capabilities; error?: string }> {
  const clouds = Object.entries((await ctx.config()).clouds).filter(([, c]) => c.kind === kind);
  if (clouds.length > 0) {
    const cloud = clouds[0]![0];
    try {
      return { cloud, capabilities: (await ctx.compute(cloud)).capabilities() };
    } catch (error) {
      // The cloud's config may be broken; a bare instance still says what the code can do.
      ctx.out.warn(`cloud "${cloud}" could not be opened (${errorText(error)}); showing the ${kind} provider's own capabilities`);
    }
  }
  const entry = (await registry())[kind];
  if (!entry) return { cloud: '', error: 'unknown provider' };
  if (entry.capabilities) return { cloud: '', capabilities: await entry.capabilities() };
  let provider: ComputeProvider | undefined;
  try {
    provider = await entry.create({ cloud: `(${kind})`, config: { kind }, home: ctx.home, env: ctx.env });
    return { cloud: '', capabilities: provider.capabilities() };
  } catch (error) {
    return { cloud: '', error: `register a ${kind} cloud to see its capabilities (${errorText(error)})` };
  } finally {
    await provider?.close().catch(() => undefined);
  }
}

/** Every provider kind this cloudmesh has, with the clouds registered for it. */
export async function listProviders(ctx: Context): Promise<ProviderRow[]> {
  const kinds = await registry();
  const clouds = Object.entries((await ctx.config()).clouds);
  const rows: ProviderRow[] = [];
  for (const [kind, entry] of Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b))) {
    const { capabilities, error } = await kindCapabilities(ctx, kind);
    const supported = capabilities ? `${COMPUTE_OPERATIONS.filter((op) => capabilities[op] === true).length}/${COMPUTE_OPERATIONS.length}` : `? (${error})`;
    rows.push({ provider: kind, summary: entry.summary, clouds: clouds.filter(([, c]) => c.kind === kind).map(([n]) => n).join(' '), supported });
  }
  return rows;
}

/** One row per operation for a cloud or a provider kind (every kind when `name` is omitted). */
export async function providerCapabilities(ctx: Context, name?: string): Promise<CapabilityRow[]> {
  const kinds = await registry();
  const config = await ctx.config();
  const targets: { provider: string; read: () => Promise<{ cloud: string; capabilities?: Capabilities; error?: string }> }[] = [];
  if (name && config.clouds[name]) {
    const kind = config.clouds[name]!.kind;
    targets.push({ provider: kind, read: async () => ({ cloud: name, capabilities: (await ctx.compute(name)).capabilities() }) });
  } else if (name && kinds[name]) {
    targets.push({ provider: name, read: () => kindCapabilities(ctx, name) });
  } else if (name) {
    throw new NotFoundError(`no provider or cloud named "${name}"${didYouMean(name, [...Object.keys(kinds), ...Object.keys(config.clouds)])}`, {
      hint: `providers: ${Object.keys(kinds).join(', ') || 'none'}`,
    });
  } else {
    for (const kind of Object.keys(kinds).sort()) targets.push({ provider: kind, read: () => kindCapabilities(ctx, kind) });
  }
  const rows: CapabilityRow[] = [];
  for (const target of targets) {
    const { cloud, capabilities, error } = await target.read();
    for (const op of COMPUTE_OPERATIONS) {
      const cap = capabilities?.[op];
      rows.push({ provider: target.provider, cloud, operation: op, supported: cap === true, reason: cap === undefined ? (error ?? 'unknown') : cap === true ? '' : cap.unsupported });
    }
  }
  return rows;
}

/** One line of `quota` / `limits`. */
export interface QuotaRow {
  cloud: string;
  resource: string;
  used: number | null;
  limit: number | null;
  available: number | null;
}

/** Quota of each cloud (at once); a cloud that fails is in `failures`, the others are kept. */
export async function quotas(ctx: Context, clouds: readonly string[]): Promise<{ rows: QuotaRow[]; failures: { cloud: string; error: string }[] }> {
  const failures: { cloud: string; error: string }[] = [];
  const perCloud = await Promise.all(
    clouds.map(async (cloud) => {
      try {
        const entries = await callCloud(ctx, cloud, 'read quota', (provider) => provider.quota());
        return entries.map((e): QuotaRow => ({
          cloud,
          resource: e.resource,
          used: e.used,
          limit: e.limit,
          // A negative limit is how OpenStack says "unlimited".
          available: e.limit === null || e.used === null || e.limit < 0 ? null : e.limit - e.used,
        }));
      } catch (error) {
        failures.push({ cloud, error: errorText(error) });
        return [];
      }
    }),
  );
  return { rows: perCloud.flat(), failures };
}
