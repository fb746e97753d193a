/**
 * @module commands/register/common
 * `register list|show|remove`, over both clouds and clusters, and what the register commands share:
 * names, masking an entry for display, and the one connectivity check of a cluster entry.
 */
import { defineCommand, type Context } from '../../core/command.ts';
import type { ClusterConfig } from '../../core/config.ts';
import { NotFoundError, UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';

/** Names usable as YAML keys, completion words and file names alike. */
export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A copy of an entry with every secret (token, password, passphrase …) masked as `cm config` does. */
export function maskedEntry(entry: ClusterConfig | Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    masked[key] = typeof value === 'string' && /token|password|passphrase|secret/i.test(key) && !/^(env|file):/.test(value) ? '********' : value;
  }
  return masked;
}

/**
 * Ask the cluster the entry describes for its partitions, through its own scheduler and transport, and
 * close the connection again. `acceptNewHostKey` lets a first-seen host key be recorded in known_hosts.
 */
export async function checkCluster(ctx: Context, name: string, entry: ClusterConfig, options: { acceptNewHostKey: boolean }): Promise<{ partitions: string[] }> {
  const { createScheduler } = await import('../../providers/hpc/registry.ts');
  const probe = options.acceptNewHostKey ? { ...entry, accept_new_host_key: true } : entry;
  const scheduler = await createScheduler(name, probe, ctx.home);
  try {
    const partitions = await scheduler.info();
    return { partitions: partitions.map((p) => p.partition.replace(/\*$/, '')) };
  } finally {
    await scheduler.close();
  }
}

/** One row of `register list`. */
interface Row {
  name: string;
  kind: 'cloud' | 'cluster';
  type: string;
  transport: string;
  where: string;
  default: string;
}

const list = defineCommand<Record<string, never>, Row[]>({
  path: ['register', 'list'],
  summary: 'Registered clouds and clusters (from cloudmesh.yaml; secrets are never shown)',
  examples: ['cm register list', 'cm register list --output json'],
  columns: ['name', 'kind', 'type', 'transport', 'where', 'default'],
  async run(ctx) {
    const config = await ctx.config();
    const { findDefault } = await import('../../services/defaults.ts');
    const defaultCluster = (await findDefault(ctx, 'cluster'))?.value ?? 'local';
    const defaultCloud = (await findDefault(ctx, 'cloud'))?.value;
    const rows: Row[] = [];
    for (const [name, cloud] of Object.entries(config.clouds)) {
      const settings = cloud.settings ?? {};
      // OpenStack entries point at the user's own files: show which one (and which cloud in it).
      const file = typeof settings.clouds_yaml === 'string' ? `${settings.clouds_yaml}${typeof settings.cloud === 'string' ? ` (${settings.cloud})` : ''}` : settings.openrc;
      const where = ['region', 'endpoint', 'auth_url', 'url', 'uri', 'host'].map((key) => settings[key]).find((value) => typeof value === 'string') ?? file;
      rows.push({ name, kind: 'cloud', type: cloud.kind, transport: '', where: typeof where === 'string' ? where : '', default: name === defaultCloud ? 'yes' : '' });
    }
    for (const [name, cluster] of Object.entries(config.clusters)) {
      const transport = cluster.scheduler === 'local' ? 'local' : (cluster.transport ?? (cluster.host ? 'ssh' : 'local'));
      const login = cluster.host ? `${cluster.user ? `${cluster.user}@` : ''}${cluster.host}${cluster.port ? `:${cluster.port}` : ''}` : 'this host';
      const where = transport === 'rest' && typeof cluster.url === 'string' ? `${cluster.url}${cluster.host ? ` (files: ${login})` : ''}` : login;
      rows.push({ name, kind: 'cluster', type: cluster.scheduler, transport, where, default: name === defaultCluster ? 'yes' : '' });
    }
    return rows;
  },
});

/** Where NAME is registered; both kinds need `--kind` to tell them apart. */
async function locate(ctx: Context, name: string, kind: string | undefined): Promise<{ kind: 'cloud' | 'cluster'; entry: Record<string, unknown> }> {
  const config = await ctx.config();
  const cloud = config.clouds[name] as Record<string, unknown> | undefined;
  const cluster = config.clusters[name] as Record<string, unknown> | undefined;
  if (kind === 'cloud' && cloud) return { kind: 'cloud', entry: cloud };
  if (kind === 'cluster' && cluster) return { kind: 'cluster', entry: cluster };
  if (!kind && cloud && cluster) throw new UserError(`"${name}" is both a cloud and a cluster: add --kind cloud or --kind cluster`);
  if (!kind && cloud) return { kind: 'cloud', entry: cloud };
  if (!kind && cluster) return { kind: 'cluster', entry: cluster };
  const names = [...Object.keys(config.clouds), ...Object.keys(config.clusters)];
  throw new NotFoundError(`no ${kind ?? 'cloud or cluster'} named "${name}"${didYouMean(name, names)}`, { hint: 'see cm register list' });
}

const kindOption = { name: 'kind', type: 'string', value: 'KIND', choices: ['cloud', 'cluster'], description: 'Which one, when a cloud and a cluster share the name' } as const;

const show = defineCommand<{ name: string; kind?: string }, unknown>({
  path: ['register', 'show'],
  summary: 'One registered cloud or cluster, secrets masked',
  examples: ['cm register show hpc1', 'cm register show aws --output json'],
  positionals: [{ name: 'name', required: true, complete: 'cluster', description: 'Cloud or cluster name' }],
  options: [kindOption],
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const found = await locate(ctx, input.name, input.kind);
    const { maskConfig } = await import('../../config/secrets.ts');
    const config = await ctx.config();
    // The config's own masking knows every secret field of every kind (credentials, tokens, URLs).
    const masked = maskConfig({ ...config, clouds: {}, clusters: {}, [found.kind === 'cloud' ? 'clouds' : 'clusters']: { [input.name]: found.entry } });
    const entry = (found.kind === 'cloud' ? (masked.clouds as Record<string, unknown>) : (masked.clusters as Record<string, unknown>))[input.name];
    return { name: input.name, kind: found.kind, ...(entry as Record<string, unknown>) };
  },
});

const remove = defineCommand<{ name: string; kind?: string }, unknown>({
  path: ['register', 'remove'],
  summary: 'Remove a registered cloud or cluster from cloudmesh.yaml (its cached VMs and jobs stay in the state)',
  examples: ['cm register remove hpc1 --dry-run', 'cm register remove hpc1'],
  positionals: [{ name: 'name', required: true, complete: 'cluster', description: 'Cloud or cluster name' }],
  options: [kindOption],
  changesState: true,
  destructive: true,
  async run(ctx, input) {
    const found = await locate(ctx, input.name, input.kind);
    if (found.kind === 'cluster' && input.name === 'local' && found.entry.scheduler === 'local') {
      const { configPath } = await import('../../config/load.ts');
      const { readFile } = await import('node:fs/promises');
      const { parseDocument } = await import('../../vendor/yaml.ts');
      const raw = parseDocument(await readFile(configPath(ctx.home), 'utf8')).toJS() as { clusters?: Record<string, unknown> } | null;
      if (!raw?.clusters?.local) throw new UserError('"local" is the built-in cluster; it cannot be removed');
    }
    const plan = { name: input.name, kind: found.kind, action: ctx.dryRun ? `would remove ${found.kind} ${input.name} from cloudmesh.yaml` : 'removed' };
    if (ctx.dryRun) return plan;
    const { setConfigEntry } = await import('../../config/edit.ts');
    await setConfigEntry(ctx.home, found.kind === 'cloud' ? 'clouds' : 'clusters', input.name, undefined, { env: ctx.env, command: 'cm register remove' });
    const { findDefault } = await import('../../services/defaults.ts');
    if ((await findDefault(ctx, found.kind))?.value === input.name) ctx.out.warn(`"${input.name}" is still the default ${found.kind}: cm default ${found.kind}=OTHER`);
    return plan;
  },
});

export const commonCommands = [list, show, remove];
