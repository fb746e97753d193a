/**
 * @module commands/comet/iso
 * `comet iso list|upload|attach|detach`: installation images for virtual cluster nodes.
 */
import { defineCommand } from '../../core/command.ts';
import { endpointOption as endpoint, withComet } from './session.ts';

type WithEndpoint = { endpoint?: string };

const list = defineCommand<WithEndpoint, unknown>({
  path: ['comet', 'iso', 'list'],
  summary: 'ISO images available to attach (numbered; attach takes the number or the name)',
  options: [endpoint],
  columns: ['index', 'name'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.isoList()),
});

const upload = defineCommand<WithEndpoint & { path: string; isoname?: string }, unknown>({
  path: ['comet', 'iso', 'upload'],
  summary: 'Upload an ISO image (sent with its MD5 for the service to check)',
  positionals: [{ name: 'path', required: true, complete: 'file', description: 'Local .iso file' }],
  options: [{ name: 'isoname', type: 'string', value: 'NAME', description: 'Name on Comet (default: the file name)' }, endpoint],
  changesState: true,
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.isoUpload(input.path, input.isoname)),
});

const attach = defineCommand<WithEndpoint & { iso: string; cluster: string; nodes?: string }, unknown>({
  path: ['comet', 'iso', 'attach'],
  summary: 'Attach an ISO (number or name) to the frontend or to compute nodes',
  positionals: [{ name: 'iso', required: true, description: 'Number from iso list, or name' }, { name: 'cluster', required: true, description: 'Virtual cluster' }, { name: 'nodes', description: 'Compute nodes (default: the frontend)' }],
  options: [endpoint],
  changesState: true,
  columns: ['node', 'iso'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.iso(input.cluster, input.iso, input.nodes)),
});

const detach = defineCommand<WithEndpoint & { cluster: string; nodes?: string }, unknown>({
  path: ['comet', 'iso', 'detach'],
  summary: 'Detach the ISO from the frontend or from compute nodes',
  positionals: [{ name: 'cluster', required: true, description: 'Virtual cluster' }, { name: 'nodes', description: 'Compute nodes (default: the frontend)' }],
  options: [endpoint],
  changesState: true,
  columns: ['node', 'iso'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.iso(input.cluster, '', input.nodes)),
});

export const commands = [list, upload, attach, detach];
