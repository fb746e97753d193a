/**
 * @module commands/stack
 * `stack create|list|show|update|delete|wait`: OpenStack Heat stacks on a registered OpenStack cloud. A
 * stack that ends in *_FAILED makes the command exit 1 with Heat's reason; nothing half-made goes unreported.
 */
import { readFile } from 'node:fs/promises';
import { defineCommand, outcome, type Context, type OptionSpec } from '../../core/command.ts';
import { UsageError, UserError } from '../../core/errors.ts';
import type { StackRow } from '../../choreo/heat.ts';

const cloudOption: OptionSpec = { name: 'cloud', type: 'string', value: 'NAME', complete: 'cloud', description: 'OpenStack cloud (default: the "cloud" default)' };
const waitOption: OptionSpec = { name: 'wait', type: 'boolean', description: 'Wait until Heat has finished (not *_IN_PROGRESS)' };
const timeoutOption: OptionSpec = { name: 'timeout', type: 'number', value: 'MINUTES', default: 30, description: 'How long to wait, and the stack timeout' };
const paramOption: OptionSpec = { name: 'param', type: 'list', value: 'KEY=VALUE', description: 'Template parameter (repeatable)' };
const columns = ['cloud', 'name', 'status', 'reason', 'created_at', 'updated_at'] as const;
const nameArg = { name: 'name', required: true, description: 'Stack name' } as const;

type Common = { cloud?: string; wait?: boolean; timeout: number };

async function heat(ctx: Context, wanted?: string) {
  const { findDefault } = await import('../../services/defaults.ts');
  const cloud = wanted ?? (await findDefault(ctx, 'cloud'))?.value;
  if (!cloud) throw new UserError('no cloud given', { hint: 'pass --cloud NAME or set one: cm default cloud=NAME' });
  const h = await import('../../choreo/heat.ts');
  return { cloud, client: await h.heatClient(ctx, cloud), h };
}

function params(pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs KEY=VALUE; got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function template(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read template ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A finished stack that failed is exit 1, with Heat's reason as the message. */
function settled(row: StackRow) {
  return row.status.endsWith('_FAILED') ? outcome(row, { exitCode: 1, message: `stack ${row.name} ${row.status}: ${row.reason ?? 'no reason given'}` }) : row;
}

const create = defineCommand<Common & { name: string; template: string; param?: string[] }, unknown>({
  path: ['stack', 'create'],
  summary: 'Create a Heat stack from a template file',
  examples: ['cm stack create web --template heat-server.yaml --param flavor=m1.tiny --wait'],
  positionals: [nameArg],
  options: [{ name: 'template', type: 'string', required: true, value: 'FILE', complete: 'file', description: 'HOT template (YAML or JSON)' }, paramOption, cloudOption, waitOption, timeoutOption],
  changesState: true,
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const text = await template(input.template);
    const { cloud, client, h } = await heat(ctx, input.cloud);
    const row = await h.createStack(client, cloud, { name: input.name, template: text, parameters: params(input.param), timeoutMins: input.timeout });
    return settled(input.wait ? await h.waitStack(client, cloud, input.name, row.id, input.timeout * 60_000, ctx.signal) : row);
  },
});

const update = defineCommand<Common & { name: string; template?: string; param?: string[] }, unknown>({
  path: ['stack', 'update'],
  summary: 'Update a stack: new parameters, and optionally a new template',
  positionals: [nameArg],
  options: [{ name: 'template', type: 'string', value: 'FILE', complete: 'file', description: 'New template (default: keep the current one)' }, paramOption, cloudOption, waitOption, timeoutOption],
  changesState: true,
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const text = input.template ? await template(input.template) : undefined;
    const { cloud, client, h } = await heat(ctx, input.cloud);
    const row = await h.updateStack(client, cloud, input.name, { parameters: params(input.param), ...(text ? { template: text } : {}) });
    return settled(input.wait ? await h.waitStack(client, cloud, input.name, row.id, input.timeout * 60_000, ctx.signal) : row);
  },
});

const list = defineCommand<{ cloud?: string }, unknown>({
  path: ['stack', 'list'],
  summary: 'Stacks of an OpenStack cloud',
  options: [cloudOption],
  columns,
  async run(ctx, input) {
    const { cloud, client, h } = await heat(ctx, input.cloud);
    return h.listStacks(client, cloud);
  },
});

const show = defineCommand<{ cloud?: string; name: string }, unknown>({
  path: ['stack', 'show'],
  summary: 'One stack: status, reason and outputs',
  positionals: [nameArg],
  options: [cloudOption],
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const { cloud, client, h } = await heat(ctx, input.cloud);
    return h.showStack(client, cloud, input.name);
  },
});

const wait = defineCommand<Common & { name: string }, unknown>({
  path: ['stack', 'wait'],
  summary: 'Wait until a stack has finished its current operation',
  positionals: [nameArg],
  options: [cloudOption, timeoutOption],
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const { cloud, client, h } = await heat(ctx, input.cloud);
    const { id } = await h.showStack(client, cloud, input.name);
    return settled(await h.waitStack(client, cloud, input.name, id, input.timeout * 60_000, ctx.signal));
  },
});

const remove = defineCommand<Common & { name: string }, unknown>({
  path: ['stack', 'delete'],
  summary: 'Delete a stack and everything it made',
  positionals: [nameArg],
  options: [cloudOption, waitOption, timeoutOption],
  changesState: true,
  destructive: true,
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const { cloud, client, h } = await heat(ctx, input.cloud);
    if (ctx.dryRun) return { ...(await h.showStack(client, cloud, input.name)), plan: 'delete (dry run: nothing changed)' };
    const row = await h.deleteStack(client, cloud, input.name);
    return settled(input.wait ? await h.waitStack(client, cloud, input.name, row.id, input.timeout * 60_000, ctx.signal) : row);
  },
});

export const commands = [create, list, show, update, wait, remove];
