/**
 * @module providers/hpc/slurm/rest
 * A Slurm cluster driven through slurmrestd (`transport: rest`): the same adapter as the command-line one
 * (index.ts), with the controller asked over HTTP and the job files (scripts, output, staging) on the
 * login node over ssh when the entry names a `host`, else on this machine (a shared file system).
 */
import type { ClusterConfig } from '../../../core/config.ts';
import { UserError } from '../../../core/errors.ts';
import type { Scheduler } from '../../../core/scheduler.ts';
import { resolveSecret } from '../../../config/secrets.ts';
import { clusterTransport } from '../../../transport/cluster.ts';
import type { StageOutCapable } from '../../../transport/stage.ts';
import type { SlurmSchedulerOptions } from './config.ts';
import { createSlurmScheduler } from './index.ts';
import { createSlurmRest } from './rest-client.ts';
import { restControl } from './rest-control.ts';

/** The cluster entry plus the adapter options the registry derived from it. */
export interface SlurmRestOptions extends Omit<SlurmSchedulerOptions, 'transport' | 'control'> {
  config: ClusterConfig;
  /** Where relative `file:` references (the token) resolve. */
  home: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export async function createSlurmRestScheduler(options: SlurmRestOptions): Promise<Scheduler & StageOutCapable> {
  const { cluster, config, home } = options;
  const env = options.env ?? process.env;
  const url = typeof config.url === 'string' ? config.url : undefined;
  if (!url) throw new UserError(`cluster "${cluster}": transport rest needs url: (slurmrestd), e.g. http://login1:6820`);
  if (typeof config.token !== 'string') {
    throw new UserError(`cluster "${cluster}": transport rest needs token: (a JWT from scontrol token), best as env:VAR or file:PATH`);
  }
  const token = resolveSecret(config.token, env, { baseDir: home, name: `clusters.${cluster}.token` });
  const user = config.user ?? env.USER;
  if (!user) throw new UserError(`cluster "${cluster}": set user: (the name the token was made for)`);
  const rest = createSlurmRest({
    url,
    user,
    token,
    ...(typeof config.api_version === 'string' ? { apiVersion: config.api_version } : {}),
  });
  const files = await clusterTransport(cluster, { ...config, transport: config.host ? 'ssh' : 'local' }, home);
  const { config: _entry, home: _home, env: _env, ...adapter } = options;
  return createSlurmScheduler({ ...adapter, transport: files, control: restControl(rest) });
}
