/**
 * @module cli/globals
 * Options every command accepts, whatever face runs it.
 */
import type { OptionSpec } from '../core/command.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Options taken before or after the command words. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', type: 'string', value: 'table|json|yaml|csv', choices: OUTPUT_FORMATS, description: 'How to print the result (default: table)' },
  { name: 'debug', type: 'boolean', description: 'Show stack traces and backend details on errors' },
  { name: 'dry-run', type: 'boolean', description: 'Print the plan of a destructive command and change nothing' },
  { name: 'help', short: 'h', type: 'boolean', description: 'Show help for the command' },
];

/** What the global options resolved to for one invocation. */
export interface Globals {
  output?: OutputFormat;
  debug: boolean;
  dryRun: boolean;
  help: boolean;
}
