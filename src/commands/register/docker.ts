/**
 * @module commands/register/docker
 * `register docker NAME [--host unix:///var/run/docker.sock]`: a Docker Engine as cloud NAME. The engine is
 * asked once (its version and image count) before anything is written, so a wrong or unreadable socket is
 * reported now, naming the socket, rather than at the first `vm boot`; `--no-check` skips that.
 */
import { defineCommand } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { CLUSTER_NAME } from './common.ts';

interface Input {
  name: string;
  host?: string;
  network?: string;
  check: boolean;
}

export const registerDocker = defineCommand<Input, unknown>({
  path: ['register', 'docker'],
  summary: 'Register a Docker Engine (its unix socket) as a cloud: containers as VMs',
  description:
    'Writes clouds.NAME (kind docker) to cloudmesh.yaml. Images are the images the engine has locally (cloudmesh never pulls); ' +
    'flavors are presets tiny/small/medium/large (CPUs and memory), changeable under settings.flavors. --network is the network ' +
    'containers join when a boot names none.',
  examples: ['cm register docker mydocker', 'cm register docker lab --host unix:///run/user/1000/docker.sock --network cmnet'],
  positionals: [{ name: 'name', required: true, description: 'The cloud name in cloudmesh' }],
  options: [
    { name: 'host', type: 'string', value: 'URL', description: 'The engine socket (default unix:///var/run/docker.sock)' },
    { name: 'network', type: 'string', value: 'NET', description: 'Network for containers that name none (default: the engine default)' },
    { name: 'check', type: 'boolean', default: true, description: 'Ask the engine before writing (--no-check: do not)' },
  ],
  changesState: true,
  columns: ['cloud', 'kind', 'host', 'network', 'checked', 'changed'],
  async run(ctx, input) {
    if (!CLUSTER_NAME.test(input.name)) throw new UserError(`"${input.name}" is not a usable cloud name (letters, digits, . _ -)`);
    const { resolveDockerConfig, createDockerProvider } = await import('../../providers/compute/docker/index.ts');
    const config = await ctx.config();
    const previous = config.clouds[input.name];
    if (previous && previous.kind !== 'docker') throw new UserError(`cloud "${input.name}" is already registered as a ${previous.kind} cloud`);
    const settings: Record<string, unknown> = { ...(previous?.settings ?? {}), host: input.host ?? previous?.settings?.host ?? 'unix:///var/run/docker.sock' };
    if (input.network) settings.network = input.network;
    const resolved = resolveDockerConfig(input.name, settings, ctx.env);
    let checked = 'not checked (--no-check)';
    if (input.check) {
      const provider = await createDockerProvider(resolved);
      const quota = await provider.quota();
      const images = quota.find((q) => q.resource === 'images')?.used ?? 0;
      checked = `engine answered; ${images} local image(s)`;
    }
    const { setConfigEntry } = await import('../../config/edit.ts');
    const result = await setConfigEntry(ctx.home, 'clouds', input.name, { ...(previous ?? {}), kind: 'docker', settings }, { env: ctx.env, command: 'cm register docker' });
    return { cloud: input.name, kind: 'docker', host: settings.host, network: input.network ?? settings.network ?? '(engine default)', checked, config: result.path, changed: result.changed };
  },
});
