/**
 * @module commands/var
 * `var NAME=VALUE`, `var NAME`, `var list`, `var delete NAME`. Variables expand as `$NAME` on shell and
 * script lines.
 */
import { defineCommand } from '../../core/command.ts';
import { UsageError } from '../../core/errors.ts';
import { splitAssignment } from '../../services/defaults.ts';
import { deleteVar, getVar, listVars, setVar } from '../../services/vars.ts';

const columns = ['name', 'value', 'source'] as const;

const set = defineCommand<{ assignment: string }, unknown>({
  path: ['var'],
  summary: 'Set a variable (NAME=VALUE) or show one (NAME)',
  examples: ['cm var image=ubuntu-24.04', 'cm var image', 'cm vm boot --image $image   (in the shell or a script)'],
  positionals: [{ name: 'assignment', required: true, complete: 'var', description: 'NAME=VALUE to set, or NAME to show' }],
  changesState: true,
  columns,
  async run(ctx, input) {
    const { key, value } = splitAssignment(input.assignment);
    return value === undefined ? getVar(ctx, key) : setVar(ctx, key, value);
  },
});

const list = defineCommand<Record<string, never>, unknown>({
  path: ['var', 'list'],
  summary: 'List variables',
  examples: ['cm var list', 'cm var list --output json'],
  columns,
  run: (ctx) => listVars(ctx),
});

const remove = defineCommand<{ name: string }, unknown>({
  path: ['var', 'delete'],
  summary: 'Delete a variable',
  examples: ['cm var delete image'],
  positionals: [{ name: 'name', required: true, complete: 'var', description: 'The variable to delete' }],
  changesState: true,
  async run(ctx, input) {
    if (input.name.includes('=')) throw new UsageError('var delete takes a NAME, not NAME=VALUE');
    return deleteVar(ctx, input.name);
  },
});

export const commands = [set, list, remove];
