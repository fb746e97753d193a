/**
 * @module commands/secgroup
 * `secgroup list [GROUP] [--cloud C]`, `secgroup add GROUP RULE FROM TO PROTOCOL CIDR`,
 * `secgroup delete GROUP [RULE] [--cloud C]`, `secgroup upload GROUP [--cloud C|--all]`: rules are
 * defined locally and synced to each cloud.
 */
import { defineCommand } from '../../core/command.ts';
import { selectClouds } from '../../services/clouds.ts';
import { addRule, deleteSecgroup, listRules, makeRule, uploadSecgroup } from '../../services/secgroups.ts';
import { allOption, bulk, cloudOption } from '../vm/common.ts';

const ruleColumns = ['cloud', 'group', 'rule', 'protocol', 'from', 'to', 'cidr'] as const;

const list = defineCommand<{ group?: string; cloud?: string }, unknown>({
  path: ['secgroup', 'list'],
  summary: 'List local security groups and their rules, or the groups on a cloud (--cloud)',
  examples: ['cm secgroup list', 'cm secgroup list web', 'cm secgroup list --cloud chameleon'],
  positionals: [{ name: 'group', description: 'Only this group' }],
  options: [{ ...cloudOption, description: 'List the groups on this cloud instead of the local definitions' }],
  columns: ruleColumns,
  run: (ctx, input) => listRules(ctx, { ...(input.group ? { group: input.group } : {}), ...(input.cloud ? { cloud: input.cloud } : {}) }),
});

const add = defineCommand<{ group: string; rule: string; from: number; to: number; protocol: string; cidr: string }, unknown>({
  path: ['secgroup', 'add'],
  summary: 'Add a rule to a local security group (the group is created if new; a rule of the same name is replaced)',
  examples: ['cm secgroup add web ssh 22 22 tcp 0.0.0.0/0', 'cm secgroup add web http 80 80 tcp 0.0.0.0/0', 'cm secgroup add web ping -1 -1 icmp 0.0.0.0/0'],
  positionals: [
    { name: 'group', required: true, description: 'Security group name' },
    { name: 'rule', required: true, description: 'Rule name (local label)' },
    { name: 'from', required: true, type: 'number', description: 'First port (-1 for ICMP)' },
    { name: 'to', required: true, type: 'number', description: 'Last port (-1 for ICMP)' },
    { name: 'protocol', required: true, choices: ['tcp', 'udp', 'icmp'], description: 'tcp, udp or icmp' },
    { name: 'cidr', required: true, description: 'Source range, e.g. 0.0.0.0/0' },
  ],
  changesState: true,
  columns: ['name', 'protocol', 'fromPort', 'toPort', 'cidr'],
  run: (ctx, input) => addRule(ctx, input.group, makeRule(input.rule, input.from, input.to, input.protocol, input.cidr)),
});

const remove = defineCommand<{ group: string; rule?: string; cloud?: string }, unknown>({
  path: ['secgroup', 'delete'],
  summary: 'Delete a rule of a local group, a whole local group, or a group on a cloud (--cloud)',
  examples: ['cm secgroup delete web http', 'cm secgroup delete web', 'cm secgroup delete web --cloud chameleon --dry-run'],
  positionals: [
    { name: 'group', required: true, description: 'Security group name' },
    { name: 'rule', description: 'Only this rule' },
  ],
  options: [{ ...cloudOption, description: 'Delete the group on this cloud instead of locally' }],
  changesState: true,
  destructive: true,
  columns: ['cloud', 'group', 'rule', 'deleted'],
  run: (ctx, input) => deleteSecgroup(ctx, input.group, input.rule, input.cloud),
});

const upload = defineCommand<{ group: string; cloud?: string; all?: boolean }, unknown>({
  path: ['secgroup', 'upload'],
  summary: "Make a group on clouds hold exactly the local rules (--dry-run shows each cloud's changes)",
  examples: ['cm secgroup upload web', 'cm secgroup upload web --all --dry-run'],
  positionals: [{ name: 'group', required: true, description: 'Local security group' }],
  options: [cloudOption, allOption],
  changesState: true,
  destructive: true,
  rest: { method: 'POST', path: '/api/secgroup/upload' },
  columns: ['cloud', 'group', 'ok', 'added', 'removed', 'kept', 'plan', 'error'],
  async run(ctx, input) {
    return bulk(await uploadSecgroup(ctx, input.group, await selectClouds(ctx, input.cloud, input.all)), 'uploads');
  },
});

export const commands = [list, add, remove, upload];
