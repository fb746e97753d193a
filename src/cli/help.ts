/**
 * @module cli/help
 * Help text generated from the command specs: the overview, a noun's verbs, or one command in full.
 */
import { inputKey, type CommandSpec, type OptionSpec } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { GLOBAL_OPTIONS } from './globals.ts';

/** Help for the words given (`[]`, `['hpc']`, `['hpc','run']`). */
export function helpText(specs: readonly CommandSpec[], words: readonly string[]): string {
  if (words.length === 0) return overview(specs);
  const exact = specs.find((s) => s.path.join(' ') === words.join(' '));
  const family = specs.filter((s) => words.every((w, i) => s.path[i] === w));
  if (exact && family.length === 1) return commandHelp(exact);
  if (family.length > 0) return [exact ? commandHelp(exact) : '', listing(family)].filter(Boolean).join('\n');
  throw new UsageError(`no help for "${words.join(' ')}"${didYouMean(words.join(' '), specs.map((s) => s.path.join(' ')))}`);
}

function overview(specs: readonly CommandSpec[]): string {
  return [
    'Usage: cm [--output FORMAT] [--debug] COMMAND [ARGS...]',
    '       cm                 (on a terminal: the interactive shell)',
    '       cm FILE.cm         (run a script; --keep-going to continue past failures)',
    '',
    listing(specs),
    'Global options:',
    ...aligned(GLOBAL_OPTIONS),
    '',
    'Run "cm help COMMAND" for details, e.g. "cm help hpc run".',
    '',
  ].join('\n');
}

function listing(specs: readonly CommandSpec[]): string {
  const sorted = [...specs].sort((a, b) => a.path.join(' ').localeCompare(b.path.join(' ')));
  const width = Math.min(28, Math.max(...sorted.map((s) => usageLine(s).length)));
  return ['Commands:', ...sorted.map((s) => `  ${usageLine(s).padEnd(width)}  ${s.summary}`), ''].join('\n');
}

/** `hpc run COMMAND...` */
function usageLine(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => {
    const name = p.name.toUpperCase() + (p.variadic ? '...' : '');
    return p.required ? name : `[${name}]`;
  });
  return [...spec.path, ...positionals].join(' ');
}

/** Option lines with their descriptions in one column. */
function aligned(options: readonly OptionSpec[]): string[] {
  const width = Math.max(...options.map((o) => optionUsage(o).length)) + 2;
  return options.map((o) => {
    const extra = o.default !== undefined ? ` (default: ${o.default})` : o.required ? ' (required)' : '';
    return `  ${optionUsage(o).padEnd(width)}${o.description}${extra}`;
  });
}

function optionUsage(option: OptionSpec): string {
  const value = option.type === 'boolean' ? '' : ` ${option.value ?? option.choices?.join('|') ?? 'VALUE'}`;
  return `${option.short ? `-${option.short}, ` : ''}--${option.name}${value}`;
}

/** Full help for one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: cm ${usageLine(spec)}${spec.options?.length ? ' [OPTIONS]' : ''}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.positionals?.length) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.toUpperCase().padEnd(22)} ${p.description}${p.choices ? ` (${p.choices.join(', ')})` : ''}`);
  }
  const options = [...(spec.options ?? []), ...(spec.destructive ? GLOBAL_OPTIONS.filter((o) => inputKey(o.name) === 'dryRun') : [])];
  if (options.length) {
    lines.push('', 'Options:', ...aligned(options));
  }
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}
