/**
 * @module commands/register/libvirt
 * `register libvirt NAME [--uri qemu:///system] [--images DIR]`: libvirt as cloud NAME. Images are the
 * qcow2 files in DIR; VMs get overlays in DIR/cloudmesh-disks. The URI is connected to once before writing
 * (`--no-check` skips that).
 */
import { defineCommand } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { CLUSTER_NAME } from './common.ts';

interface Input {
  name: string;
  uri?: string;
  images?: string;
  network?: string;
  check: boolean;
}

export const registerLibvirt = defineCommand<Input, unknown>({
  path: ['register', 'libvirt'],
  summary: 'Register libvirt (qemu:///system with KVM, or test:///default) as a cloud',
  description:
    'Writes clouds.NAME (kind libvirt) to cloudmesh.yaml. Images are the *.qcow2 files of --images (default /var/lib/libvirt/images ' +
    'for qemu:///system, else CLOUDMESH_HOME/images); each VM boots from its own overlay. Flavors are presets tiny/small/medium/large ' +
    '(vCPUs and memory), changeable under settings.flavors. Note: test:///default forgets its domains when the connection ends, ' +
    'so with it VMs last only within one cm process (the shell).',
  examples: ['cm register libvirt kvm', 'cm register libvirt kvm --uri qemu:///system --images /var/lib/libvirt/images --network default'],
  positionals: [{ name: 'name', required: true, description: 'The cloud name in cloudmesh' }],
  options: [
    { name: 'uri', type: 'string', value: 'URI', description: 'libvirt connection URI (default qemu:///system)' },
    { name: 'images', type: 'string', value: 'DIR', complete: 'file', description: 'Directory of qcow2 base images' },
    { name: 'network', type: 'string', value: 'NET', description: 'libvirt network VMs join when a boot names none (default: no NIC)' },
    { name: 'check', type: 'boolean', default: true, description: 'Connect before writing (--no-check: do not)' },
  ],
  changesState: true,
  columns: ['cloud', 'kind', 'uri', 'images', 'checked', 'changed'],
  async run(ctx, input) {
    if (!CLUSTER_NAME.test(input.name)) throw new UserError(`"${input.name}" is not a usable cloud name (letters, digits, . _ -)`);
    const { resolveLibvirtConfig, createLibvirtProvider } = await import('../../providers/compute/libvirt/index.ts');
    const config = await ctx.config();
    const previous = config.clouds[input.name];
    if (previous && previous.kind !== 'libvirt') throw new UserError(`cloud "${input.name}" is already registered as a ${previous.kind} cloud`);
    const settings: Record<string, unknown> = { ...(previous?.settings ?? {}), uri: input.uri ?? previous?.settings?.uri ?? 'qemu:///system' };
    if (input.images) settings.images = input.images;
    if (input.network) settings.network = input.network;
    const resolved = resolveLibvirtConfig(input.name, settings, ctx.home);
    settings.images = resolved.images;
    let checked = 'not checked (--no-check)';
    if (input.check) {
      const provider = await createLibvirtProvider(resolved);
      try {
        const domains = (await provider.listVms()).length;
        const images = (await provider.listImages()).length;
        checked = `connected; ${domains} domain(s), ${images} image(s)`;
      } finally {
        await provider.close();
      }
    }
    const { setConfigEntry } = await import('../../config/edit.ts');
    const result = await setConfigEntry(ctx.home, 'clouds', input.name, { ...(previous ?? {}), kind: 'libvirt', settings }, { env: ctx.env, command: 'cm register libvirt' });
    return { cloud: input.name, kind: 'libvirt', uri: settings.uri, images: resolved.images, checked, config: result.path, changed: result.changed };
  },
});
