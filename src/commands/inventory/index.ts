/**
 * @module commands/inventory
 * `inventory --list|--host H` speaks Ansible's dynamic-inventory JSON, `inventory export` writes the same
 * hosts as INI, YAML, ssh-config or CSV, and `inventory path` names the executable Ansible runs.
 */
import { defineCommand } from '../../core/command.ts';
import { UsageError } from '../../core/errors.ts';
import { ansibleIni, ansibleList, ansibleYaml, buildInventory, inventoryRows, restrict, sshConfig } from '../../services/inventory.ts';

const dynamic = defineCommand<{ list?: boolean; host?: string }, unknown>({
  path: ['inventory'],
  summary: "Ansible dynamic inventory: --list (groups and _meta.hostvars) or --host NAME (one host's vars)",
  description: 'Groups: cloud_<cloud>, each cloudmesh group and cluster, hpc and hpc_<cluster> for login nodes (localhost for the local cluster).',
  examples: ['cm inventory --list', 'ansible-playbook -i "$(cm inventory path)" site.yml'],
  options: [
    { name: 'list', type: 'boolean', description: 'Every group and host (what Ansible asks first)' },
    { name: 'host', type: 'string', value: 'NAME', description: 'The variables of one host' },
  ],
  defaultOutput: 'json',
  async run(ctx, input) {
    if (input.list === Boolean(input.host)) throw new UsageError('give exactly one of --list or --host NAME');
    const inventory = await buildInventory(ctx);
    if (input.list) return ansibleList(inventory);
    // Ansible asks --host only for hosts it saw in --list; an unknown one gets {} as the protocol expects.
    return inventory.hosts.get(input.host!) ?? {};
  },
});

const exportInventory = defineCommand<{ format: 'ini' | 'yaml' | 'ssh-config' | 'csv'; group?: string }, string>({
  path: ['inventory', 'export'],
  summary: 'The inventory as an Ansible INI or YAML file, ~/.ssh/config stanzas, or CSV',
  examples: ['cm inventory export --format ini > hosts.ini', 'cm inventory export --format ssh-config --group web >> ~/.ssh/config'],
  options: [
    { name: 'format', type: 'string', default: 'ini', choices: ['ini', 'yaml', 'ssh-config', 'csv'], description: 'Output format' },
    { name: 'group', type: 'string', value: 'GROUP', complete: 'group', description: 'Only the hosts of this group (a cloudmesh group, cluster, cloud_<cloud> or hpc)' },
  ],
  raw: true,
  async run(ctx, input) {
    let inventory = await buildInventory(ctx);
    if (input.group) inventory = restrict(inventory, input.group);
    if (input.format === 'ini') return ansibleIni(inventory);
    if (input.format === 'ssh-config') return sshConfig(inventory);
    if (input.format === 'yaml') {
      const { stringify } = await import('../../vendor/yaml.ts');
      return stringify(ansibleYaml(inventory));
    }
    const { render } = await import('../../output/render.ts');
    const text = await render(inventoryRows(inventory), { format: 'csv' });
    return text.endsWith('\n') ? text : `${text}\n`;
  },
});

const path = defineCommand<Record<string, never>, string>({
  path: ['inventory', 'path'],
  summary: 'Path of the executable that serves this inventory to Ansible (-i)',
  rest: false,
  raw: true,
  async run() {
    const { inventoryScript } = await import('../../services/ansible.ts');
    return `${inventoryScript()}\n`;
  },
});

export const commands = [dynamic, exportInventory, path];
