/**
 * @module commands/vm
 * `vm list`: VMs from the cache, with age. (Booting and refreshing arrive with the cloud providers.)
 */
import { defineCommand } from '../../core/command.ts';
import { expandNames, globMatch } from '../../core/hostlist.ts';
import { withAge } from '../../services/age.ts';

const list = defineCommand<{ names?: string[]; cloud?: string }, unknown>({
  path: ['vm', 'list'],
  summary: 'List VMs known to cloudmesh (from the cache; each row shows its age)',
  examples: ['cm vm list', 'cm vm list "web-[001-003]" --cloud chameleon', 'cm vm list "web-*" --output csv'],
  positionals: [{ name: 'names', variadic: true, complete: 'vm', description: 'Names, globs (web-*) or hostlists (web-[001-003])' }],
  options: [{ name: 'cloud', type: 'string', value: 'NAME', complete: 'cloud', description: 'Only VMs of this cloud' }],
  columns: ['cloud', 'name', 'status', 'image', 'flavor', 'public_ip', 'group_name', 'age'],
  async run(ctx, input) {
    const vms = await (await ctx.store()).collection('vms').list({ ...(input.cloud ? { where: { cloud: input.cloud } } : {}) });
    const patterns = input.names?.length ? expandNames(input.names) : undefined;
    const selected = patterns ? vms.filter((vm) => patterns.some((p) => globMatch(p, vm.name))) : vms;
    return withAge(selected, ctx.now());
  },
});

export const commands = [list];
