/**
 * @module commands/cluster/inventory
 * A cluster's nodes as an Ansible inventory (INI or YAML) or as `~/.ssh/config` stanzas, formatted by the
 * shared inventory formatters (services/inventory.ts). Containers are reached by Ansible through the engine
 * (`ansible_connection=community.docker.docker`, host = container name), VMs over ssh at their address
 * with the login user the defaults or the image name suggest; ssh-config stanzas use the node's address.
 */
import type { Context } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { clusterNodes, getCluster, specOf } from '../../services/clusters.ts';
import { findDefault } from '../../services/defaults.ts';
import { ansibleIni, ansibleYaml, groupName, sshConfig, type HostVars, type Inventory } from '../../services/inventory.ts';
import { guessLoginUser } from '../../services/vm-access.ts';

export const INVENTORY_FORMATS = ['ini', 'yaml', 'ssh-config'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

/** The inventory text of cluster `name`. */
export async function clusterInventory(ctx: Context, name: string, format: InventoryFormat): Promise<string> {
  if (!INVENTORY_FORMATS.includes(format)) throw new UserError(`--format must be one of ${INVENTORY_FORMATS.join(', ')}; got "${format}"`);
  const spec = specOf(await getCluster(ctx, name));
  const kind = (await ctx.config()).clouds[spec.cloud]?.kind;
  const nodes = await clusterNodes(ctx, name);
  const names = new Set(nodes.map((n) => n.name));
  const rows = (await (await ctx.store()).collection('vms').list({ where: { cloud: spec.cloud } })).filter((row) => names.has(row.name));
  const user = (await findDefault(ctx, 'login_user', spec.cloud))?.value ?? (await findDefault(ctx, 'username', spec.cloud))?.value;
  const identity = (await findDefault(ctx, 'identity', spec.cloud))?.value;
  const inventory: Inventory = { hosts: new Map(), groups: new Map([[groupName(name), new Set<string>()]]) };
  for (const row of rows) {
    const address = row.public_ip ?? row.private_ip;
    const vars: HostVars = { cm_cloud: row.cloud, cm_cluster: name, cm_status: row.status };
    if (kind === 'docker' && format !== 'ssh-config') {
      vars.ansible_connection = 'community.docker.docker';
      vars.ansible_host = typeof row.data.container === 'string' ? row.data.container : row.name;
    } else {
      if (address) vars.ansible_host = address;
      const login = user ?? guessLoginUser(row.image) ?? (kind === 'docker' ? 'root' : undefined);
      if (login) vars.ansible_user = login;
      if (identity) vars.ansible_ssh_private_key_file = identity;
    }
    inventory.hosts.set(row.name, vars);
    inventory.groups.get(groupName(name))!.add(row.name);
  }
  if (format === 'ini') return ansibleIni(inventory);
  if (format === 'ssh-config') return sshConfig(inventory);
  const { stringify } = await import('../../vendor/yaml.ts');
  return stringify(ansibleYaml(inventory));
}
