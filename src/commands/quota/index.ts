/**
 * @module commands/quota
 * `quota [--cloud C|--all]`: what each cloud allows this account (resource and limit).
 */
import { defineCommand } from '../../core/command.ts';
import { selectClouds } from '../../services/clouds.ts';
import { quotas } from '../../services/providers.ts';
import { allOption, cloudOption, partial } from '../vm/common.ts';

const quota = defineCommand<{ cloud?: string; all?: boolean }, unknown>({
  path: ['quota'],
  summary: 'Quota of a cloud: how much of each resource the account may use',
  examples: ['cm quota', 'cm quota --cloud chameleon', 'cm quota --all --output json'],
  options: [cloudOption, allOption],
  columns: ['cloud', 'resource', 'limit'],
  async run(ctx, input) {
    const { rows, failures } = await quotas(ctx, await selectClouds(ctx, input.cloud, input.all));
    return partial(rows, failures);
  },
});

export const commands = [quota];
