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
  description:
    'Jobs of every registered cluster, with where the row came from and how old it is. The local cluster is asked every time; a ' +
    'remote cluster when its unfinished jobs were last seen more than 30 s ago (one batched query per cluster, all clusters at ' +
    'once; one that fails is shown from the cache and retried later, waiting longer each time). --refresh asks every cluster now.',
  examples: ['cm status', 'cm status --refresh', 'cm status --output json'],
  options: [{ name: 'refresh', short: 'r', type: 'boolean', description: 'Ask every cluster now, however recently it was asked' }],
  columns: ['kind', 'where', 'id', 'name', 'state', 'detail', 'source', 'age'],
  async run(ctx, input) {
    return withAge(await overallStatus(ctx, { refresh: !!input.refresh }), ctx.now());
  },
});

export const commands = [status];
