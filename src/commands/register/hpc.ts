/**
 * @module commands/register/hpc
 * `register hpc NAME --host H …`: add a batch cluster to cloudmesh.yaml. Unless `--no-check`, the cluster is
 * asked for its partitions first through the very scheduler and transport the entry describes, so a wrong
 * host, key, user, host key, token or partition is reported and nothing is written.
 */
import { defineCommand } from '../../core/command.ts';
import type { ClusterConfig } from '../../core/config.ts';
import { UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';
import { CLUSTER_NAME, checkCluster, maskedEntry } from './common.ts';

interface Input {
  name: string;
  host?: string;
  user?: string;
  port?: number;
  key?: string;
  scheduler?: string;
  transport?: string;
  partition?: string;
  workdir?: string;
  url?: string;
  token?: string;
  apiVersion?: string;
  knownHosts?: string;
  acceptHostKey?: boolean;
  proxyJump?: string;
  check: boolean;
}

export const registerHpc = defineCommand<Input, unknown>({
  path: ['register', 'hpc'],
  summary: 'Register a batch cluster (Slurm, PBS, Grid Engine) reached over ssh, slurmrestd or on this host',
  description:
    'Writes clusters.NAME to cloudmesh.yaml. With --transport ssh (the default when --host is given) commands run on the login node ' +
    'over one ssh connection; host keys must be in known_hosts (--accept-host-key records a new one after you checked its fingerprint). ' +
    'With --transport rest, Slurm is driven through slurmrestd at --url with a JWT given as --token env:VAR or file:PATH; job files go ' +
    'over ssh when --host is given. The cluster is contacted once before anything is written (--no-check: do not).',
  examples: [
    'cm register hpc hpc1 --host login.example.org --user alice --key ~/.ssh/id_ed25519 --partition debug',
    'cm register hpc test --host 127.0.0.1 --port 2222 --user hpcuser --accept-host-key',
    'cm register hpc rest1 --transport rest --url http://login1:6820 --token env:SLURM_JWT --user alice --host login1',
    'cm register hpc here --scheduler slurm --transport local',
  ],
  positionals: [{ name: 'name', required: true, description: 'The cluster name in cloudmesh' }],
  options: [
    { name: 'host', type: 'string', value: 'HOST', description: 'Login node (host name or address)' },
    { name: 'user', short: 'u', type: 'string', value: 'USER', description: 'User on the cluster (default: your user name)' },
    { name: 'port', type: 'number', value: 'PORT', description: 'ssh port (default 22)' },
    { name: 'key', type: 'string', value: 'FILE', complete: 'file', description: 'ssh private key (default: ssh-agent and ~/.ssh/id_*)' },
    { name: 'scheduler', type: 'string', value: 'KIND', choices: ['slurm', 'pbs', 'sge', 'local'], default: 'slurm', description: 'Batch system' },
    { name: 'transport', type: 'string', value: 'HOW', choices: ['ssh', 'local', 'rest'], description: 'How to reach it (default: ssh with --host, else local)' },
    { name: 'partition', short: 'p', type: 'string', value: 'NAME', description: 'Default partition (queue) for jobs' },
    { name: 'workdir', type: 'string', value: 'DIR', description: 'Directory for job files on the cluster (default ~/.cloudmesh-jobs)' },
    { name: 'url', type: 'string', value: 'URL', description: 'slurmrestd base URL (transport rest)' },
    { name: 'token', type: 'string', value: 'REF', secret: true, description: 'slurmrestd JWT as env:VAR or file:PATH (transport rest)' },
    { name: 'api-version', type: 'string', value: 'V', description: 'slurmrestd API version, e.g. v0.0.38 (default: discovered)' },
    { name: 'known-hosts', type: 'string', value: 'FILE', complete: 'file', description: 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)' },
    { name: 'accept-host-key', type: 'boolean', description: 'Trust and record the host key if known_hosts has none for the host (never a changed one)' },
    { name: 'proxy-jump', type: 'string', value: '[USER@]HOST[:PORT]', description: 'Reach the login node through this jump host' },
    { name: 'check', type: 'boolean', default: true, description: 'Contact the cluster before writing (--no-check: do not)' },
  ],
  changesState: true,
  async run(ctx, input) {
    const { name } = input;
    if (!CLUSTER_NAME.test(name)) throw new UserError(`"${name}" is not a usable cluster name (letters, digits, . _ -)`);
    if (name === 'local') throw new UserError('"local" is the built-in cluster on this machine; choose another name');
    const scheduler = input.scheduler ?? 'slurm';
    const transport = input.transport ?? (input.host ? 'ssh' : 'local');
    if (transport === 'ssh' && !input.host) throw new UserError('--transport ssh needs --host');
    if (transport === 'rest') {
      if (scheduler !== 'slurm') throw new UserError(`--transport rest talks to slurmrestd: it works with --scheduler slurm, not ${scheduler}`);
      if (!input.url) throw new UserError('--transport rest needs --url (slurmrestd, e.g. http://login1:6820)');
      if (!input.token) throw new UserError('--transport rest needs --token env:VAR or file:PATH (a JWT from scontrol token)');
    }
    if (input.token !== undefined && !/^(env|file):./.test(input.token)) {
      throw new UserError('--token must be a reference (env:VAR or file:PATH): a token written on the command line would end up in shell history');
    }
    if (scheduler === 'local' && (input.host || transport !== 'local')) throw new UserError('--scheduler local runs jobs on this machine: it takes no --host or transport');
    if (input.acceptHostKey && !input.check) throw new UserError('--accept-host-key records the key the check sees: it cannot be combined with --no-check');
    if (input.port !== undefined && (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)) throw new UserError(`--port ${input.port} is not a TCP port`);

    const entry: ClusterConfig = { scheduler };
    if (scheduler !== 'local') entry.transport = transport;
    const fields: [keyof ClusterConfig, unknown][] = [
      ['host', input.host], ['user', input.user], ['port', input.port], ['key', input.key], ['partition', input.partition],
      ['workdir', input.workdir], ['url', input.url], ['token', input.token], ['api_version', input.apiVersion],
      ['known_hosts', input.knownHosts], ['proxy_jump', input.proxyJump],
    ];
    for (const [field, value] of fields) if (value !== undefined && value !== '') entry[field] = value;

    const config = await ctx.config();
    if (config.clouds[name]) throw new UserError(`"${name}" is already a cloud; choose another name for the cluster`);
    const previous = config.clusters[name];
    const checked = input.check ? await checkCluster(ctx, name, entry, { acceptNewHostKey: input.acceptHostKey === true }) : null;
    if (checked && input.partition !== undefined && !checked.partitions.includes(input.partition)) {
      throw new UserError(
        `cluster "${name}" has no partition "${input.partition}"${didYouMean(input.partition, checked.partitions)}; nothing was registered`,
        { hint: `its partitions: ${checked.partitions.join(', ') || 'none'}` },
      );
    }
    const { setConfigEntry } = await import('../../config/edit.ts');
    const result = await setConfigEntry(ctx.home, 'clusters', name, entry as Record<string, unknown>, { env: ctx.env, command: 'cm register hpc' });
    return {
      name,
      action: previous ? (result.changed ? 'updated' : 'unchanged') : 'added',
      ...maskedEntry(entry),
      checked: checked ? `ok (${checked.partitions.length} partition${checked.partitions.length === 1 ? '' : 's'}: ${checked.partitions.join(', ')})` : 'skipped',
    };
  },
});
