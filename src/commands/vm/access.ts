/**
 * @module commands/vm/access
 * `vm ip assign|show`, `vm ssh`, `vm put|get`, `vm console`, `vm rename`: reaching into a VM. ssh and scp
 * are started with argument arrays (services/vm-access.ts), never through a local shell.
 */
import { defineCommand, outcome, type OptionSpec } from '../../core/command.ts';
import type { LoginOptions } from '../../services/vm-access.ts';
import { bulk, cloudOption, namesPositional, refreshOption } from './common.ts';

const access = () => import('../../services/vm-access.ts');
const ops = () => import('../../services/vm-ops.ts');

const loginOptions: OptionSpec[] = [
  { ...cloudOption, description: 'The cloud the VM is on (when the name is on several)' },
  { name: 'user', short: 'l', type: 'string', value: 'USER', description: 'Login user (default: the "username" default, else guessed from the image)' },
  { name: 'identity', short: 'i', type: 'string', value: 'FILE', complete: 'file', description: 'Private key file (default: the "identity" default, else ssh\'s own)' },
  { name: 'port', short: 'p', type: 'number', value: 'PORT', description: 'ssh port (default 22)' },
  { name: 'ip', type: 'string', value: 'ADDRESS', description: "Connect to this address instead of the VM's own" },
];

type LoginInput = { cloud?: string; user?: string; identity?: string; port?: number; ip?: string };

function loginOf(input: LoginInput): LoginOptions {
  return {
    ...(input.cloud ? { cloud: input.cloud } : {}),
    ...(input.user ? { user: input.user } : {}),
    ...(input.identity ? { identity: input.identity } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
    ...(input.ip ? { ip: input.ip } : {}),
  };
}

const ipAssign = defineCommand<{ names?: string[]; cloud?: string }, unknown>({
  path: ['vm', 'ip', 'assign'],
  summary: 'Attach a public (floating) IP to VMs, allocating one where needed',
  examples: ['cm vm ip assign web-001', 'cm vm ip assign "web-[1-3]" --dry-run'],
  positionals: [namesPositional],
  options: [{ ...cloudOption, description: 'Only VMs of this cloud' }],
  changesState: true,
  destructive: true,
  rest: { method: 'POST', path: '/api/vm/ip/assign' },
  columns: ['cloud', 'name', 'public_ip', 'private_ip', 'ok', 'error'],
  async run(ctx, input) {
    const { assignIps } = await ops();
    return bulk(await assignIps(ctx, input.names ?? [], input.cloud ? { cloud: input.cloud } : {}), 'IP assignments');
  },
});

const ipShow = defineCommand<{ names?: string[]; cloud?: string; refresh?: boolean }, unknown>({
  path: ['vm', 'ip', 'show'],
  summary: 'Show the addresses of VMs',
  examples: ['cm vm ip show "web-*"', 'cm vm ip show web-001 --refresh'],
  positionals: [namesPositional],
  options: [{ ...cloudOption, description: 'Only VMs of this cloud' }, refreshOption],
  columns: ['cloud', 'name', 'public_ip', 'private_ip'],
  async run(ctx, input) {
    const { showIps } = await ops();
    return showIps(ctx, input.names ?? [], { ...(input.cloud ? { cloud: input.cloud } : {}), ...(input.refresh ? { refresh: true } : {}) });
  },
});

const ssh = defineCommand<LoginInput & { name: string; command?: string }, unknown>({
  path: ['vm', 'ssh'],
  summary: 'Log in to a VM with ssh, or run one command there',
  description:
    'Runs the local ssh program with an argument array. --command is a command line for the VM\'s shell, exactly as ' +
    '`ssh HOST COMMAND` takes it. A new host key is accepted once and then checked (StrictHostKeyChecking=accept-new).',
  examples: ['cm vm ssh web-001', 'cm vm ssh web-001 --command "uptime"', 'cm vm ssh web-001 --user ubuntu --identity ~/.ssh/id_ed25519'],
  positionals: [{ name: 'name', required: true, complete: 'vm', description: 'The VM' }],
  options: [...loginOptions, { name: 'command', short: 'c', type: 'string', value: 'COMMAND', description: 'Run this on the VM and return' }],
  raw: true,
  rest: false,
  async run(ctx, input) {
    const { resolveLogin, runProgram, sshArgv } = await access();
    const { login } = await resolveLogin(ctx, input.name, loginOf(input));
    const interactive = input.command === undefined;
    const result = await runProgram(ctx, sshArgv(login, input.command, !interactive), { interactive });
    const data = ctx.face === 'cli' || ctx.face === 'shell' || ctx.face === 'script' ? '' : result;
    return result.exitCode === 0 ? data : outcome(data, { exitCode: result.exitCode });
  },
});

function copy(direction: 'put' | 'get') {
  const [src, dst] = direction === 'put' ? ['local source', 'remote destination'] : ['remote source', 'local destination'];
  return defineCommand<LoginInput & { name: string; src: string; dst: string }, unknown>({
    path: ['vm', direction],
    summary: direction === 'put' ? 'Copy a local file to a VM (SFTP)' : 'Copy a file from a VM (SFTP)',
    examples: direction === 'put' ? ['cm vm put web-001 data.csv /tmp/data.csv'] : ['cm vm get web-001 /var/log/syslog ./syslog'],
    positionals: [
      { name: 'name', required: true, complete: 'vm', description: 'The VM' },
      { name: 'src', required: true, ...(direction === 'put' ? { complete: 'file' as const } : {}), description: `The ${src} path` },
      { name: 'dst', required: true, ...(direction === 'get' ? { complete: 'file' as const } : {}), description: `The ${dst} path` },
    ],
    options: loginOptions,
    changesState: direction === 'put',
    raw: true,
    rest: false,
    async run(ctx, input) {
      const { copyArgv, resolveLogin, runProgram } = await access();
      const { login } = await resolveLogin(ctx, input.name, loginOf(input));
      const [local, remote] = direction === 'put' ? [input.src, input.dst] : [input.dst, input.src];
      const result = await runProgram(ctx, copyArgv(login, direction, local, remote), { interactive: false });
      const data = ctx.face === 'cli' || ctx.face === 'shell' || ctx.face === 'script' ? '' : result;
      return result.exitCode === 0 ? data : outcome(data, { exitCode: 1, message: `scp exited ${result.exitCode}${result.stderr ? `: ${result.stderr.trim()}` : ''}` });
    },
  });
}

const console_ = defineCommand<{ name: string; cloud?: string }, unknown>({
  path: ['vm', 'console'],
  summary: "A VM's console log (or where its console is)",
  examples: ['cm vm console web-001'],
  positionals: [{ name: 'name', required: true, complete: 'vm', description: 'The VM' }],
  options: [{ ...cloudOption, description: 'The cloud the VM is on' }],
  raw: true,
  async run(ctx, input) {
    const { consoleOf } = await ops();
    const text = await consoleOf(ctx, input.name, input.cloud ? { cloud: input.cloud } : {});
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  },
});

const rename = defineCommand<{ old: string; new: string; cloud?: string }, unknown>({
  path: ['vm', 'rename'],
  summary: 'Rename VMs (OLD and NEW may be hostlists of equal length)',
  examples: ['cm vm rename web-001 db-001', 'cm vm rename "web-[1-3]" "db-[1-3]" --dry-run'],
  positionals: [
    { name: 'old', required: true, complete: 'vm', description: 'Current name or hostlist' },
    { name: 'new', required: true, description: 'New name or hostlist' },
  ],
  options: [{ ...cloudOption, description: 'Only VMs of this cloud' }],
  changesState: true,
  destructive: true,
  rest: { method: 'POST', path: '/api/vm/rename' },
  columns: ['cloud', 'from', 'to', 'ok', 'error'],
  async run(ctx, input) {
    const { renameVms } = await ops();
    return bulk(await renameVms(ctx, input.old, input.new, input.cloud ? { cloud: input.cloud } : {}), 'renames');
  },
});

export const commands = [ipAssign, ipShow, ssh, copy('put'), copy('get'), console_, rename];
