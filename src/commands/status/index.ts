/**
 * @module commands/status
 * `status`: every VM and job cloudmesh knows, each with its source and age.
 */
import { defineCommand } from '../../core/command.ts';
import { withAge } from '../../services/age.ts';
import { overallStatus } from '../../services/status.ts';

const status = defineCommand<{ refresh?: boolean }, unknown>({
  path: ['status'],
  summary: 'One view of every VM and job across clouds and clusters, with source and age',
  description: 'Jobs on the local cluster are always current; add --refresh to ask remote clusters and clouds too.',
  examples: ['cm status', 'cm status --refresh', 'cm status --output json'],
  options: [{ name: 'refresh', short: 'r', type: 'boolean', description: 'Ask every cluster and cloud instead of showing the cache' }],
  columns: ['kind', 'where', 'id', 'name', 'state', 'detail', 'source', 'age'],
  async run(ctx, input) {
    return withAge(await overallStatus(ctx, { refresh: !!input.refresh }), ctx.now());
  },
});

export const commands = [status];
