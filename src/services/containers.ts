/**
 * @module services/containers
 * Which Docker Engine a `cm container …` command talks to: `--cloud NAME` (a docker cloud); else the
 * `cloud` default when it is a docker cloud; else the only registered docker cloud; else, with none
 * registered, the engine at $DOCKER_HOST (a unix socket) or /var/run/docker.sock — so containers work on a
 * fresh machine before any `cm register docker`.
 */
import type { Context } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import type { ContainerEngine, DockerProvider } from '../providers/compute/docker/index.ts';
import { findDefault } from './defaults.ts';

export interface EngineHandle {
  cloud: string;
  engine: ContainerEngine;
}

export async function containerEngine(ctx: Context, cloud?: string): Promise<EngineHandle> {
  const config = await ctx.config();
  const dockerClouds = Object.entries(config.clouds).filter(([, c]) => c.kind === 'docker').map(([name]) => name);
  let name = cloud;
  if (!name) {
    const preferred = (await findDefault(ctx, 'cloud'))?.value;
    if (preferred && dockerClouds.includes(preferred)) name = preferred;
    else if (dockerClouds.length === 1) name = dockerClouds[0];
    else if (dockerClouds.length > 1) throw new UserError(`several docker clouds are registered (${dockerClouds.join(', ')}): name one with --cloud`);
  }
  if (name) {
    const provider = await ctx.compute(name);
    if (provider.kind !== 'docker') throw new UserError(`cloud "${name}" is a ${provider.kind} cloud, not a Docker Engine`, { hint: dockerClouds.length ? `docker clouds: ${dockerClouds.join(', ')}` : 'cm register docker NAME' });
    return { cloud: name, engine: (provider as DockerProvider).containers };
  }
  const { createDockerProvider, resolveDockerConfig } = await import('../providers/compute/docker/index.ts');
  const provider = await createDockerProvider(resolveDockerConfig('docker', {}, ctx.env));
  return { cloud: `(${provider.config.socketPath})`, engine: provider.containers };
}
