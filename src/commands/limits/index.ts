/**
 * @module commands/limits
 * `limits [--cloud C|--all]`: each resource's use against its limit (what is left before a boot fails).
 */
import { defineCommand } from '../../core/command.ts';
import { selectClouds } from '../../services/clouds.ts';
import { quotas } from '../../services/providers.ts';
import { allOption, cloudOption, partial } from '../vm/common.ts';

const limits = defineCommand<{ cloud?: string; all?: boolean }, unknown>({
  path: ['limits'],
  summary: 'Limits of a cloud: used, limit and available per resource',
  examples: ['cm limits', 'cm limits --cloud chameleon'],
  options: [cloudOption, allOption],
  columns: ['cloud', 'resource', 'used', 'limit', 'available'],
  async run(ctx, input) {
    const { rows, failures } = await quotas(ctx, await selectClouds(ctx, input.cloud, input.all));
    return partial(rows, failures);
  },
});

export const commands = [limits];
