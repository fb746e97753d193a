/**
 * @module commands/provider
 * `provider list`, `provider capabilities [NAME]`: generated from the provider code that runs.
 */
import { defineCommand } from '../../core/command.ts';
import { listProviders, providerCapabilities } from '../../services/providers.ts';

const list = defineCommand<Record<string, never>, unknown>({
  path: ['provider', 'list'],
  summary: 'Compute providers this cloudmesh has, with the clouds registered for each',
  examples: ['cm provider list'],
  columns: ['provider', 'summary', 'clouds', 'supported'],
  run: (ctx) => listProviders(ctx),
});

const capabilities = defineCommand<{ name?: string; unsupported?: boolean }, unknown>({
  path: ['provider', 'capabilities'],
  summary: 'What each operation does on a provider or cloud: supported, or why not',
  examples: ['cm provider capabilities', 'cm provider capabilities openstack', 'cm provider capabilities mycloud --unsupported'],
  positionals: [{ name: 'name', complete: 'cloud', description: 'A provider kind (openstack, aws …) or a registered cloud' }],
  options: [{ name: 'unsupported', short: 'u', type: 'boolean', description: 'Only the operations that are not supported' }],
  columns: ['provider', 'cloud', 'operation', 'supported', 'reason'],
  async run(ctx, input) {
    const rows = await providerCapabilities(ctx, input.name);
    return input.unsupported ? rows.filter((r) => !r.supported) : rows;
  },
});

export const commands = [list, capabilities];
