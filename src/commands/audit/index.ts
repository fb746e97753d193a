/**
 * @module commands/audit
 * `audit list [--since AGE|DATE] [--limit N]`.
 */
import { defineCommand } from '../../core/command.ts';
import { listAudit } from '../../services/audit.ts';

const list = defineCommand<{ since?: string; limit?: number }, unknown>({
  path: ['audit', 'list'],
  summary: 'State-changing commands run from any face, newest first (secrets masked)',
  examples: ['cm audit list', 'cm audit list --since 1h', 'cm audit list --since 2026-11-01 --output json'],
  options: [
    { name: 'since', type: 'string', value: 'AGE|DATE', description: 'Only entries newer than an age (30m, 2h, 7d) or a date' },
    { name: 'limit', type: 'number', value: 'N', description: 'At most N entries' },
  ],
  columns: ['time', 'face', 'user', 'command', 'args', 'result'],
  run: (ctx, input) => listAudit(ctx, { ...(input.since ? { since: input.since } : {}), ...(input.limit ? { limit: input.limit } : {}) }),
});

export const commands = [list];
