/**
 * @module commands/cloud
 * `cloud list`, `cloud activate NAME`, `cloud deactivate NAME`, `cloud check [NAME]`. Active clouds are
 * the ones "all" means (vm refresh --all, image refresh --all …); the flag lives in cloudmesh.yaml.
 */
import { defineCommand } from '../../core/command.ts';
import { checkClouds, selectClouds, setActive } from '../../services/clouds.ts';
import { allOption, bulk } from '../vm/common.ts';

const nameArg = { name: 'name', required: true, complete: 'cloud', description: 'A registered cloud' } as const;

const list = defineCommand<Record<string, never>, unknown>({
  path: ['cloud', 'list'],
  summary: 'Registered clouds: kind, active, the default cloud, cached VMs',
  examples: ['cm cloud list', 'cm cloud list --output json'],
  columns: ['cloud', 'kind', 'active', 'default', 'vms', 'defaults'],
  async run(ctx) {
    const { listClouds } = await import('../../services/clouds.ts');
    return listClouds(ctx);
  },
});

function toggle(active: boolean) {
  return defineCommand<{ name: string }, unknown>({
    path: ['cloud', active ? 'activate' : 'deactivate'],
    summary: active ? 'Include a cloud in "all clouds" operations' : 'Leave a cloud out of "all clouds" operations (it stays registered)',
    examples: [`cm cloud ${active ? 'activate' : 'deactivate'} chameleon`],
    positionals: [nameArg],
    changesState: true,
    destructive: true,
    rest: { method: 'POST', path: `/api/cloud/${active ? 'activate' : 'deactivate'}` },
    columns: ['cloud', 'active', 'changed', 'plan'],
    run: (ctx, input) => setActive(ctx, input.name, active),
  });
}

const check = defineCommand<{ name?: string; all?: boolean }, unknown>({
  path: ['cloud', 'check'],
  summary: 'Check that clouds answer with their credentials (all at once; default: every active cloud)',
  examples: ['cm cloud check', 'cm cloud check chameleon'],
  positionals: [{ ...nameArg, required: false, description: 'A registered cloud (default: every active cloud)' }],
  options: [allOption],
  columns: ['cloud', 'kind', 'ok', 'ms', 'vms', 'error'],
  async run(ctx, input) {
    const clouds = input.name ? await selectClouds(ctx, input.name) : await selectClouds(ctx, undefined, true);
    return bulk(await checkClouds(ctx, clouds), 'checks');
  },
});

export const commands = [list, toggle(true), toggle(false), check];
