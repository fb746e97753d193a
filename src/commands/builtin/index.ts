/**
 * @module commands/builtin
 * Commands about cm itself: `help`, `completion`, `version`, and the entries for `shell` and `exec`
 * (which the shell and script runner carry out themselves; they are listed here for help and completion).
 */
import { defineCommand } from '../../core/command.ts';
import { UsageError } from '../../core/errors.ts';
import { helpText } from '../../cli/help.ts';
import { completionScript } from '../../cli/complete.ts';
import { VERSION } from '../../version.ts';

const help = defineCommand<{ command?: string[] }, string>({
  path: ['help'],
  summary: 'Show help for all commands or one',
  examples: ['cm help', 'cm help hpc', 'cm help hpc run'],
  positionals: [{ name: 'command', variadic: true, complete: 'command', description: 'The command to explain' }],
  rest: false,
  async run(ctx, input) {
    return helpText(ctx.commands(), input.command ?? []);
  },
});

const completion = defineCommand<{ shell: string }, string>({
  path: ['completion'],
  summary: 'Print a Tab-completion script for bash or zsh',
  description: 'Add to ~/.bashrc:  source <(cm completion bash)   or to ~/.zshrc:  source <(cm completion zsh)',
  examples: ['cm completion bash > ~/.local/share/bash-completion/completions/cm', 'source <(cm completion zsh)'],
  positionals: [{ name: 'shell', required: true, choices: ['bash', 'zsh'], description: 'Which shell' }],
  rest: false,
  async run(_ctx, input) {
    return completionScript(input.shell as 'bash' | 'zsh');
  },
});

const version = defineCommand<Record<string, never>, unknown>({
  path: ['version'],
  summary: 'Print the cloudmesh version and runtime',
  examples: ['cm version', 'cm --version'],
  async run() {
    return { cloudmesh: VERSION, node: process.versions.node, platform: `${process.platform}-${process.arch}` };
  },
});

const shell = defineCommand<Record<string, never>, unknown>({
  path: ['shell'],
  summary: 'Open the interactive shell (also: cm alone on a terminal)',
  examples: ['cm shell'],
  rest: false,
  async run() {
    throw new UsageError('the shell is already open');
  },
});

const exec = defineCommand<{ file: string; keepGoing?: boolean }, unknown>({
  path: ['exec'],
  summary: 'Run a script of cm commands, one per line ("#" starts a comment)',
  description: 'Stops at the first failing line, naming its line number, unless --keep-going is given.',
  examples: ['cm exec setup.cm', 'cm setup.cm --keep-going'],
  positionals: [{ name: 'file', required: true, complete: 'file', description: 'The script file' }],
  options: [{ name: 'keep-going', short: 'k', type: 'boolean', description: 'Run every line even after one fails' }],
  rest: false,
  async run() {
    throw new UsageError('exec runs in the command line, shell and scripts only');
  },
});

export const commands = [help, completion, version, shell, exec];
