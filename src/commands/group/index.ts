/**
 * @module commands/group
 * `group list [NAME]`, `group add NAMES --group G`, `group remove NAMES --group G`, `group delete G [--vms]`.
 */
import { defineCommand } from '../../core/command.ts';
import { expandNames } from '../../core/hostlist.ts';
import { addToGroup, deleteGroup, groupMembers, listGroups, removeFromGroup } from '../../services/groups.ts';
import { bulk } from '../vm/common.ts';

const groupOption = { name: 'group', short: 'g', type: 'string', value: 'GROUP', complete: 'group', required: true, description: 'The group' } as const;
const kindOption = { name: 'type', type: 'string', value: 'KIND', default: 'vm', description: 'What the members are (vm, container, job …; default vm)' } as const;

const list = defineCommand<{ name?: string }, unknown>({
  path: ['group', 'list'],
  summary: 'List groups and their members',
  examples: ['cm group list', 'cm group list web --output json'],
  positionals: [{ name: 'name', complete: 'group', description: 'Only this group' }],
  columns: ['group', 'kind', 'count', 'members'],
  run: (ctx, input) => listGroups(ctx, input.name),
});

const add = defineCommand<{ names: string[]; group: string; type: string }, unknown>({
  path: ['group', 'add'],
  summary: 'Add members to a group (created if new)',
  examples: ['cm group add "web-[1-3]" --group web', 'cm group add job-12 --group run1 --type job'],
  positionals: [{ name: 'names', required: true, variadic: true, complete: 'vm', description: 'Names or hostlists' }],
  options: [groupOption, kindOption],
  changesState: true,
  columns: ['name', 'member_kind', 'member'],
  run: (ctx, input) => addToGroup(ctx, input.group, expandNames(input.names), input.type),
});

const remove = defineCommand<{ names: string[]; group: string; type: string }, unknown>({
  path: ['group', 'remove'],
  summary: 'Take members out of a group (the members themselves stay)',
  examples: ['cm group remove web-2 --group web'],
  positionals: [{ name: 'names', required: true, variadic: true, complete: 'vm', description: 'Names or hostlists' }],
  options: [groupOption, kindOption],
  changesState: true,
  destructive: true,
  columns: ['group', 'member', 'removed'],
  run: (ctx, input) => removeFromGroup(ctx, input.group, expandNames(input.names), input.type),
});

const remove_group = defineCommand<{ group: string; vms?: boolean }, unknown>({
  path: ['group', 'delete'],
  summary: 'Delete a group; with --vms also delete its VMs on their clouds',
  examples: ['cm group delete web', 'cm group delete web --vms --dry-run'],
  positionals: [{ name: 'group', required: true, complete: 'group', description: 'The group' }],
  options: [{ name: 'vms', type: 'boolean', description: 'Also delete the VMs in the group' }],
  changesState: true,
  destructive: true,
  columns: ['group', 'members', 'deleted', 'name', 'action', 'ok', 'status', 'error'],
  async run(ctx, input) {
    if (!input.vms) return deleteGroup(ctx, input.group);
    const members = await groupMembers(ctx, input.group, 'vm');
    const { actOnVms } = await import('../../services/vms.ts');
    const results = members.length ? await actOnVms(ctx, 'delete', members) : [];
    const summary = await deleteGroup(ctx, input.group);
    return bulk([...results, { ...summary, ok: true }], 'deletions');
  },
});

export const commands = [list, add, remove, remove_group];
