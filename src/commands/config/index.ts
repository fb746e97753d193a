/**
 * @module commands/config
 * `config`, `config path`, `config check`: show and validate `cloudmesh.yaml`. Nothing here ever prints a
 * secret: the config is masked before it leaves, and check reports unresolvable references by name only.
 */
import { defineCommand } from '../../core/command.ts';
import type { Config } from '../../core/config.ts';
import { configPath, loadConfig } from '../../config/load.ts';
import { isSecretReference, maskConfig, resolveSecret, secretEntries } from '../../config/secrets.ts';
import { dirname } from 'node:path';

const show = defineCommand<Record<string, never>, Config>({
  path: ['config'],
  summary: 'Show the configuration, secrets masked',
  description: 'Prints cloudmesh.yaml as loaded: defaults filled in, the local cluster included, every secret masked (env:/file: references are shown as written).',
  examples: ['cm config', 'cm config --output json'],
  defaultOutput: 'yaml',
  async run(ctx) {
    return maskConfig(await ctx.config());
  },
});

const path = defineCommand<Record<string, never>, string>({
  path: ['config', 'path'],
  summary: 'Print the path of cloudmesh.yaml',
  examples: ['cm config path', '$EDITOR "$(cm config path)"'],
  async run(ctx) {
    return configPath(ctx.home);
  },
});

/** What `config check` reports when the file is valid (an invalid file raises its ConfigError instead). */
export interface CheckResult {
  path: string;
  ok: true;
  clouds: number;
  clusters: number;
  warnings: string[];
}

const check = defineCommand<Record<string, never>, CheckResult>({
  path: ['config', 'check'],
  summary: 'Validate cloudmesh.yaml and its secret references',
  description:
    'Loads the file (creating it on first use), reports every problem as FILE:LINE, and warns about a file others can read and about env:/file: references that do not resolve. The file is never modified.',
  examples: ['cm config check'],
  async run(ctx) {
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
    };
    // The loader directly, not ctx.config(): check must see this file's warnings, not a cached result.
    const config = await loadConfig(ctx.home, ctx.env, warn);
    for (const { key, value } of secretEntries(config)) {
      if (!isSecretReference(value)) continue;
      try {
        resolveSecret(value, ctx.env, { baseDir: dirname(config.path), name: key });
      } catch (error) {
        // resolveSecret's messages name the variable or file, never a value, so they are safe to repeat.
        warn(error instanceof Error ? error.message : String(error));
      }
    }
    return {
      path: config.path,
      ok: true,
      clouds: Object.keys(config.clouds).length,
      clusters: Object.keys(config.clusters).length,
      warnings,
    };
  },
});

/** The `config` command group. */
export const commands = [show, path, check];
