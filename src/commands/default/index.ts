/**
 * @module commands/default
 * `default KEY=VALUE [--cloud C]`, `default KEY`, `default list`, `default delete KEY`.
 */
import { defineCommand, type OptionSpec } from '../../core/command.ts';
import { UsageError } from '../../core/errors.ts';
import { deleteDefault, getDefault, GENERAL, listDefaults, setDefault, splitAssignment } from '../../services/defaults.ts';

const scopeOption: OptionSpec = {
  name: 'cloud',
  type: 'string',
  value: 'NAME',
  complete: 'cloud',
  description: 'The cloud or cluster the default belongs to (general when omitted)',
};
const columns = ['scope', 'key', 'value', 'source'] as const;

const set = defineCommand<{ assignment: string; cloud?: string }, unknown>({
  path: ['default'],
  summary: 'Set a default (KEY=VALUE) or show one (KEY)',
  examples: ['cm default cluster=local', 'cm default image=ubuntu-24.04 --cloud chameleon', 'cm default cluster'],
  positionals: [{ name: 'assignment', required: true, complete: 'default', description: 'KEY=VALUE to set, or KEY to show' }],
  options: [scopeOption],
  changesState: true,
  columns,
  async run(ctx, input) {
    const { key, value } = splitAssignment(input.assignment);
    if (value === undefined) return getDefault(ctx, key, input.cloud);
    return setDefault(ctx, key, value, input.cloud ?? GENERAL);
  },
});

const list = defineCommand<{ cloud?: string }, unknown>({
  path: ['default', 'list'],
  summary: 'List defaults',
  examples: ['cm default list', 'cm default list --cloud chameleon --output json'],
  options: [scopeOption],
  columns,
  run: (ctx, input) => listDefaults(ctx, input.cloud),
});

const remove = defineCommand<{ key: string; cloud?: string }, unknown>({
  path: ['default', 'delete'],
  summary: 'Delete a default',
  examples: ['cm default delete image --cloud chameleon'],
  positionals: [{ name: 'key', required: true, complete: 'default', description: 'The key to delete' }],
  options: [scopeOption],
  changesState: true,
  async run(ctx, input) {
    if (input.key.includes('=')) throw new UsageError('default delete takes a KEY, not KEY=VALUE');
    return deleteDefault(ctx, input.key, input.cloud ?? GENERAL);
  },
});

export const commands = [set, list, remove];
