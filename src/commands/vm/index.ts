/**
 * @module commands/vm
 * `vm boot|list|refresh|start|stop|reboot|delete|status|wait|default`; the commands that reach into a VM
 * (`ip`, `ssh`, `put`, `get`, `console`, `rename`) are in ./access.ts.
 */
import { defineCommand, outcome } from '../../core/command.ts';
import { withAge } from '../../services/age.ts';
import type { VmAction } from '../../services/vms.ts';
import { commands as accessCommands } from './access.ts';
import { allOption, bulk, cloudOption, namesPositional, partial, refreshOption } from './common.ts';

// Services load inside each command: `vm list` of the cache, the command run most often, then pays only for
// the store and the name matching, not for the code that talks to clouds.
const vms = () => import('../../services/vms.ts');
const clouds = () => import('../../services/clouds.ts');
const ops = () => import('../../services/vm-ops.ts');

const vmColumns = ['cloud', 'name', 'status', 'image', 'flavor', 'public_ip', 'group_name', 'age'] as const;

interface BootInput {
  name?: string[];
  n?: number;
  cloud?: string;
  image?: string;
  flavor?: string;
  key?: string;
  secgroup?: string[];
  group?: string;
  network?: string;
  userData?: string;
}

const boot = defineCommand<BootInput, unknown>({
  path: ['vm', 'boot'],
  summary: 'Boot VMs (settings left out come from cm default and the cloud\'s defaults)',
  description:
    'Names are drawn from a counter as <user>-<NNN> unless --name is given (a hostlist names several). Boots run in ' +
    'parallel; each is recorded before the cloud is asked, with an idempotency token, so a retry never makes a second VM.',
  examples: ['cm vm boot', 'cm vm boot --n 3 --cloud chameleon --image ubuntu-24.04 --flavor m1.small', 'cm vm boot --name "web-[1-3]" --group web', 'cm vm boot --n 10 --dry-run'],
  options: [
    { name: 'name', type: 'list', value: 'NAME', description: 'VM name or hostlist (web-[1-3]); repeatable' },
    { name: 'n', type: 'number', value: 'N', description: 'How many VMs (default 1)' },
    cloudOption,
    { name: 'image', type: 'string', value: 'IMAGE', description: 'Image name or id (default: the "image" default)' },
    { name: 'flavor', type: 'string', value: 'FLAVOR', description: 'Flavor / instance type (default: the "flavor" default)' },
    { name: 'key', type: 'string', value: 'KEY', description: 'Key pair on the cloud (default: the "key" default)' },
    { name: 'secgroup', type: 'list', value: 'GROUP', description: 'Security group (repeatable; default: the "secgroup" default)' },
    { name: 'group', type: 'string', value: 'GROUP', complete: 'group', description: 'Cloudmesh group to add the VMs to (default: the "group" default, else "default")' },
    { name: 'network', type: 'string', value: 'NET', description: 'Network to attach (default: the "network" default)' },
    { name: 'user-data', type: 'string', value: 'TEXT', description: 'Cloud-init user data' },
  ],
  changesState: true,
  // Destructive for --dry-run (a bulk action that costs money), but served as POST: it creates.
  destructive: true,
  rest: { method: 'POST', path: '/api/vm/boot' },
  columns: ['cloud', 'name', 'id', 'status', 'error'],
  async run(ctx, input) {
    const { bootVms } = await vms();
    const results = await bootVms(ctx, {
      ...(input.cloud ? { cloud: input.cloud } : {}),
      ...(input.name?.length ? { names: input.name } : {}),
      ...(input.n !== undefined ? { count: input.n } : {}),
      ...(input.image ? { image: input.image } : {}),
      ...(input.flavor ? { flavor: input.flavor } : {}),
      ...(input.key ? { key: input.key } : {}),
      ...(input.secgroup?.length ? { secgroups: input.secgroup.flatMap((s) => s.split(',')) } : {}),
      ...(input.group ? { group: input.group } : {}),
      ...(input.network ? { network: input.network } : {}),
      ...(input.userData ? { userData: input.userData } : {}),
    });
    return bulk(results.map((r) => ({ ...r, ok: !r.error })), 'boots');
  },
});

const defaults = defineCommand<{ cloud?: string }, unknown>({
  path: ['vm', 'default'],
  summary: 'Show what vm boot would use now (cloud, next name, image, flavor, key, group …) and where each comes from',
  examples: ['cm vm default', 'cm vm default --cloud chameleon --output json'],
  options: [cloudOption],
  columns: ['setting', 'value', 'from'],
  async run(ctx, input) {
    const { planBoot } = await vms();
    const plan = await planBoot(ctx, { ...(input.cloud ? { cloud: input.cloud } : {}) }, { preview: true });
    const s = plan.settings;
    return [
      { setting: 'cloud', value: plan.cloud, from: input.cloud ? 'option' : '' },
      { setting: 'name', value: plan.names[0], from: 'counter' },
      ...(['image', 'flavor', 'key', 'network', 'group'] as const).map((k) => ({ setting: k, value: s[k] ?? '', from: s.from[k] ?? '' })),
      { setting: 'secgroup', value: s.secgroups.join(','), from: s.from.secgroup ?? '' },
    ];
  },
});

const list = defineCommand<{ names?: string[]; cloud?: string; all?: boolean; refresh?: boolean }, unknown>({
  path: ['vm', 'list'],
  summary: 'List VMs known to cloudmesh (from the cache; each row shows its age)',
  examples: ['cm vm list', 'cm vm list "web-[001-003]" --cloud chameleon', 'cm vm list --refresh --all', 'cm vm list "web-*" --output csv'],
  positionals: [{ ...namesPositional, description: 'Names, globs (web-*) or hostlists (web-[001-003])' }],
  options: [{ ...cloudOption, description: 'Only VMs of this cloud (several as a,b)' }, allOption, refreshOption],
  columns: vmColumns,
  async run(ctx, input) {
    let failures: { cloud: string; error?: string }[] = [];
    const names = input.cloud || input.refresh ? await clouds() : undefined;
    const chosen = input.cloud ? await names!.selectClouds(ctx, input.cloud) : undefined;
    if (input.refresh) {
      const { refreshVms } = await vms();
      const reports = await refreshVms(ctx, chosen ?? (await names!.selectClouds(ctx, undefined, true)));
      failures = reports.filter((r) => !r.ok);
    }
    const rows = await (await ctx.store()).collection('vms').list({
      ...(chosen?.length ? { where: { cloud: chosen } } : {}),
      orderBy: [{ column: 'cloud' }, { column: 'name' }],
    });
    const selected = input.names?.length ? (await import('../../services/vm-names.ts')).selectVms(rows, input.names).rows : rows;
    return partial(withAge(selected, ctx.now()), failures);
  },
});

const refresh = defineCommand<{ cloud?: string; all?: boolean }, unknown>({
  path: ['vm', 'refresh'],
  summary: 'Fetch the VMs of a cloud (or every active cloud with --all) into the cache: one call per cloud, all at once',
  examples: ['cm vm refresh', 'cm vm refresh --all', 'cm vm refresh --cloud chameleon,aws'],
  options: [cloudOption, allOption],
  changesState: true,
  columns: ['cloud', 'ok', 'vms', 'added', 'updated', 'removed', 'ms', 'error'],
  async run(ctx, input) {
    const { refreshVms } = await vms();
    const reports = await refreshVms(ctx, await (await clouds()).selectClouds(ctx, input.cloud, input.all));
    return bulk(reports, 'clouds');
  },
});

function action(verb: VmAction, summary: string) {
  return defineCommand<{ names?: string[]; cloud?: string }, unknown>({
    path: ['vm', verb],
    summary,
    examples: [`cm vm ${verb} web-001`, `cm vm ${verb} "web-[001-003]" --dry-run`, `cm vm ${verb} "web-*" --cloud chameleon`],
    positionals: [namesPositional],
    options: [{ ...cloudOption, description: 'Only VMs of this cloud' }],
    changesState: true,
    destructive: true,
    ...(verb === 'delete' ? {} : { rest: { method: 'POST' as const, path: `/api/vm/${verb}` } }),
    columns: ['cloud', 'name', 'action', 'ok', 'status', 'error'],
    async run(ctx, input) {
      const { actOnVms } = await vms();
      return bulk(await actOnVms(ctx, verb, input.names ?? [], input.cloud ? { cloud: input.cloud } : {}), `${verb}s`);
    },
  });
}

const status = defineCommand<{ names?: string[]; cloud?: string }, unknown>({
  path: ['vm', 'status'],
  summary: 'Live status of VMs (one listing per cloud involved)',
  examples: ['cm vm status web-001', 'cm vm status "web-*"'],
  positionals: [namesPositional],
  options: [{ ...cloudOption, description: 'Only VMs of this cloud' }],
  columns: ['cloud', 'name', 'status', 'public_ip', 'private_ip', 'age'],
  async run(ctx, input) {
    const { liveStatus } = await ops();
    const { rows, reports } = await liveStatus(ctx, input.names ?? [], input.cloud ? { cloud: input.cloud } : {});
    return partial(withAge(rows, ctx.now()), reports.filter((r) => !r.ok));
  },
});

const wait = defineCommand<{ names?: string[]; cloud?: string; state?: string; timeout?: number; interval?: number }, unknown>({
  path: ['vm', 'wait'],
  summary: 'Wait until VMs reach a state (default ACTIVE; DELETED waits for them to go)',
  examples: ['cm vm wait "web-[1-3]"', 'cm vm wait web-1 --state STOPPED --timeout 120'],
  positionals: [namesPositional],
  options: [
    { ...cloudOption, description: 'Only VMs of this cloud' },
    { name: 'state', type: 'string', value: 'STATE', choices: ['ACTIVE', 'STOPPED', 'DELETED', 'ERROR'], description: 'State to wait for (default ACTIVE)' },
    { name: 'timeout', type: 'number', value: 'SECONDS', description: 'Give up after this long (default 300)' },
    { name: 'interval', type: 'number', value: 'SECONDS', description: 'Seconds between polls (default 2)' },
  ],
  columns: ['cloud', 'name', 'status', 'public_ip', 'age'],
  async run(ctx, input) {
    const { waitForState } = await ops();
    const { rows, done, reports } = await waitForState(ctx, input.names ?? [], {
      ...(input.cloud ? { cloud: input.cloud } : {}),
      ...(input.state ? { state: input.state } : {}),
      ...(input.timeout !== undefined ? { timeoutSeconds: input.timeout } : {}),
      ...(input.interval !== undefined ? { intervalSeconds: input.interval } : {}),
    });
    const data = withAge(rows, ctx.now());
    if (done) return partial(data, reports.filter((r) => !r.ok));
    const late = rows.filter((r) => r.status !== (input.state ?? 'ACTIVE').toUpperCase()).map((r) => `${r.name} (${r.status})`);
    return outcome(data, { exitCode: 1, message: `not ${(input.state ?? 'ACTIVE').toUpperCase()}: ${late.join(', ')}` });
  },
});

export const commands = [
  boot,
  defaults,
  list,
  refresh,
  action('start', 'Start VMs'),
  action('stop', 'Stop VMs'),
  action('reboot', 'Reboot VMs'),
  action('delete', 'Delete VMs (on their cloud, then from the cache and their groups)'),
  status,
  wait,
  ...accessCommands,
];
