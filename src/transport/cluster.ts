/**
 * @module transport/cluster
 * The transport a registered cluster's config asks for: `local` (this host) or `ssh` (its login node).
 * Shared by every scheduler adapter that drives command-line tools (Slurm, Grid Engine, PBS), so a cluster
 * entry means the same thing whichever scheduler it runs.
 */
import type { ClusterConfig } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { createLocalTransport } from './local.ts';

/** `transport:` as written, else `ssh` when a host is given, else `local`. */
export function transportKind(config: ClusterConfig): string {
  return config.transport ?? (config.host ? 'ssh' : 'local');
}

/** The ssh login of a cluster entry (also used by `register show` and the REST transport's files). */
export function sshEndpointOf(cluster: string, config: ClusterConfig, env: Readonly<Record<string, string | undefined>> = process.env) {
  if (!config.host) throw new UserError(`cluster "${cluster}" has no host to ssh to`, { hint: `cm register hpc ${cluster} --host HOST ...` });
  const user = config.user ?? env.USER ?? env.LOGNAME;
  if (!user) throw new UserError(`cluster "${cluster}": no user name (set user: in cloudmesh.yaml)`);
  const knownHosts = typeof config.known_hosts === 'string' ? [config.known_hosts] : undefined;
  return {
    host: config.host,
    port: config.port ?? 22,
    user,
    ...(config.key ? { key: config.key } : {}),
    ...(knownHosts ? { knownHosts } : {}),
    ...(config.accept_new_host_key === true ? { acceptNewHostKey: true } : {}),
    ...(typeof config.proxy_jump === 'string' ? { proxyJump: config.proxy_jump } : {}),
    ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
    ...(env.HOME ? { home: env.HOME } : {}),
  };
}

/**
 * A transport for the cluster's command-line tools. `home` is where relative `file:` secret references
 * (the key's `passphrase`) resolve.
 */
export async function clusterTransport(cluster: string, config: ClusterConfig, home: string): Promise<Transport> {
  const kind = transportKind(config);
  if (kind === 'local') return createLocalTransport();
  if (kind !== 'ssh') throw new UserError(`cluster "${cluster}": transport ${kind} cannot run ${config.scheduler} commands (use ssh or local)`);
  const [{ createSshTransport }, { terminalPrompter }, { resolveSecret }] = await Promise.all([
    import('./ssh.ts'),
    import('./prompt.ts'),
    import('../config/secrets.ts'),
  ]);
  const prompt = terminalPrompter();
  const passphrase =
    typeof config.passphrase === 'string' ? resolveSecret(config.passphrase, process.env, { baseDir: home, name: `clusters.${cluster}.passphrase` }) : undefined;
  return createSshTransport({ ...sshEndpointOf(cluster, config), ...(prompt ? { prompt } : {}), ...(passphrase ? { passphrase } : {}) });
}
