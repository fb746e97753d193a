/**
 * @module commands/key
 * `key add [NAME] [--file F]`, `key list [--cloud C]`, `key delete NAME [--cloud C]`, `key upload NAME [--cloud C]`.
 * Public keys only: the local registry is filled from .pub files and uploaded to clouds as key pairs.
 */
import { defineCommand } from '../../core/command.ts';
import { selectClouds } from '../../services/clouds.ts';
import { addKey, deleteKey, listKeys, uploadKey } from '../../services/keys.ts';
import { allOption, bulk, cloudOption } from '../vm/common.ts';

const columns = ['cloud', 'name', 'fingerprint', 'source'] as const;

const add = defineCommand<{ name?: string; file?: string }, unknown>({
  path: ['key', 'add'],
  summary: 'Add an SSH public key to the local registry (default name: your profile user)',
  examples: ['cm key add', 'cm key add laptop --file ~/.ssh/id_ed25519.pub'],
  positionals: [{ name: 'name', description: 'Name to register the key under' }],
  options: [{ name: 'file', short: 'f', type: 'string', value: 'FILE', complete: 'file', description: 'Public key file (default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub)' }],
  changesState: true,
  columns,
  run: (ctx, input) => addKey(ctx, input.name, input.file),
});

const list = defineCommand<{ cloud?: string }, unknown>({
  path: ['key', 'list'],
  summary: 'List the local key registry, or the key pairs a cloud holds (--cloud)',
  examples: ['cm key list', 'cm key list --cloud chameleon'],
  options: [{ ...cloudOption, description: 'List the key pairs on this cloud instead of the local registry' }],
  columns,
  run: (ctx, input) => listKeys(ctx, input.cloud),
});

const remove = defineCommand<{ name: string; cloud?: string }, unknown>({
  path: ['key', 'delete'],
  summary: 'Remove a key from the local registry, or a key pair from a cloud (--cloud)',
  examples: ['cm key delete laptop', 'cm key delete laptop --cloud chameleon --dry-run'],
  positionals: [{ name: 'name', required: true, description: 'Key name' }],
  options: [{ ...cloudOption, description: 'Delete the key pair on this cloud instead' }],
  changesState: true,
  destructive: true,
  columns: ['cloud', 'name', 'deleted', 'plan'],
  run: (ctx, input) => deleteKey(ctx, input.name, input.cloud),
});

const upload = defineCommand<{ name: string; cloud?: string; all?: boolean }, unknown>({
  path: ['key', 'upload'],
  summary: 'Upload a registered key to clouds as a key pair (again is fine)',
  examples: ['cm key upload laptop', 'cm key upload laptop --cloud chameleon,aws', 'cm key upload laptop --all'],
  positionals: [{ name: 'name', required: true, description: 'Key name in the local registry' }],
  options: [cloudOption, allOption],
  changesState: true,
  destructive: true,
  rest: { method: 'POST', path: '/api/key/upload' },
  columns: ['cloud', 'name', 'ok', 'status', 'fingerprint', 'error'],
  async run(ctx, input) {
    return bulk(await uploadKey(ctx, input.name, await selectClouds(ctx, input.cloud, input.all)), 'uploads');
  },
});

export const commands = [add, list, remove, upload];
