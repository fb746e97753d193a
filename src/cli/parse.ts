/**
 * @module cli/parse
 * Turns a list of words into a command spec and its typed input, using only the specs themselves.
 * Shared by argv, the shell and scripts, so all three accept exactly the same syntax.
 */
import { inputKey, type CommandSpec, type OptionSpec, type PositionalSpec } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { GLOBAL_OPTIONS, type Globals, type OutputFormat } from './globals.ts';

/** The outcome of parsing one command line. */
export interface Parsed {
  spec: CommandSpec;
  input: Record<string, unknown>;
  globals: Globals;
}

/** Find the spec whose path is the longest prefix of `words`; returns it and how many words it used. */
export function findCommand(
  words: readonly string[],
  specs: readonly CommandSpec[],
): { spec: CommandSpec; used: number } | undefined {
  let best: { spec: CommandSpec; used: number } | undefined;
  for (const spec of specs) {
    const n = spec.path.length;
    if (n > words.length || (best && best.used >= n)) continue;
    if (spec.path.every((part, i) => part === words[i])) best = { spec, used: n };
  }
  return best;
}

/** A usage error for words that name no command, with the nearest known command as a hint. */
export function unknownCommand(words: readonly string[], specs: readonly CommandSpec[]): UsageError {
  const firstWords = words.filter((w) => !w.startsWith('-')).slice(0, 2);
  const typed = firstWords.join(' ');
  const nouns = new Set(specs.map((s) => s.path[0]!));
  if (firstWords.length > 0 && nouns.has(firstWords[0]!)) {
    const verbs = specs.filter((s) => s.path[0] === firstWords[0] && s.path.length > 1).map((s) => s.path.join(' '));
    return new UsageError(`unknown command "${typed}"${didYouMean(typed, verbs)}`, {
      hint: `try: cm help ${firstWords[0]}`,
    });
  }
  return new UsageError(`unknown command "${firstWords[0] ?? ''}"${didYouMean(firstWords[0] ?? '', nouns)}`, {
    hint: 'try: cm help',
  });
}

/** Parse `words` (no program name) against the registry. */
export function parseCommandLine(words: readonly string[], specs: readonly CommandSpec[]): Parsed {
  const leading = takeLeadingGlobals(words);
  const rest = words.slice(leading.used);
  const found = findCommand(rest, specs);
  if (!found) {
    if (leading.values.help || rest.length === 0) {
      const help = specs.find((s) => s.path.length === 1 && s.path[0] === 'help');
      if (help) return { spec: help, input: { command: rest }, globals: toGlobals(leading.values) };
    }
    throw unknownCommand(rest, specs);
  }
  const { spec, used } = found;
  const values: Record<string, unknown> = { ...leading.values };
  const input = parseArguments(spec, rest.slice(used), values);
  return { spec, input, globals: toGlobals(values) };
}

/** The first command word, after any leading global options (`cm -o json var list` → `var`). */
export function firstCommandWord(words: readonly string[]): string | undefined {
  return words[takeLeadingGlobals(words).used];
}

/** Globals given before the command words (`cm --output json var list`). */
function takeLeadingGlobals(words: readonly string[]): { used: number; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  let i = 0;
  while (i < words.length && words[i]!.startsWith('-') && words[i] !== '--') {
    const { option, inline } = matchOption(words[i]!, GLOBAL_OPTIONS);
    if (!option) break;
    i += 1 + assign(option, inline, words, i, values);
  }
  return { used: i, values };
}

function toGlobals(values: Record<string, unknown>): Globals {
  const output = values.output as OutputFormat | undefined;
  return { ...(output ? { output } : {}), debug: !!values.debug, dryRun: !!values.dryRun, help: !!values.help };
}

/** Parse the words after the command path into its input object (globals land in `globals`). */
function parseArguments(spec: CommandSpec, words: readonly string[], globals: Record<string, unknown>): Record<string, unknown> {
  const options = spec.options ?? [];
  const positionals = spec.positionals ?? [];
  const input: Record<string, unknown> = {};
  const loose: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (onlyPositionals || !word.startsWith('-') || word === '-' || /^-\d/.test(word)) {
      loose.push(word);
      if (isPassthroughReached(positionals, loose.length)) onlyPositionals = true;
      continue;
    }
    if (word === '--') {
      onlyPositionals = true;
      continue;
    }
    const own = matchOption(word, options);
    if (own.option) {
      i += assign(own.option, own.inline, words, i, input);
      continue;
    }
    const global = matchOption(word, GLOBAL_OPTIONS);
    if (global.option) {
      i += assign(global.option, global.inline, words, i, globals);
      continue;
    }
    const names = [...options, ...GLOBAL_OPTIONS].map((o) => `--${o.name}`);
    throw new UsageError(`unknown option "${word.split('=')[0]}" for "${spec.path.join(' ')}"${didYouMean(word.split('=')[0]!, names)}`, {
      hint: `try: cm help ${spec.path.join(' ')}`,
    });
  }
  if (globals.help) return input;
  assignPositionals(spec, positionals, loose, input);
  for (const option of options) {
    const key = inputKey(option.name);
    if (input[key] === undefined && option.default !== undefined) input[key] = option.default;
    if (input[key] === undefined && option.required) {
      throw new UsageError(`"${spec.path.join(' ')}" needs --${option.name}`, { hint: `try: cm help ${spec.path.join(' ')}` });
    }
  }
  if (globals.dryRun && !spec.destructive) {
    throw new UsageError(`"${spec.path.join(' ')}" does not take --dry-run: it changes nothing that could be previewed`);
  }
  return input;
}

/** Once a passthrough positional has started, the rest of the line belongs to it (`hpc run ls -la`). */
function isPassthroughReached(positionals: readonly PositionalSpec[], count: number): boolean {
  const index = positionals.findIndex((p) => p.variadic && p.passthrough);
  return index >= 0 && count > index;
}

function assignPositionals(spec: CommandSpec, positionals: readonly PositionalSpec[], loose: string[], input: Record<string, unknown>): void {
  let index = 0;
  for (const positional of positionals) {
    const key = inputKey(positional.name);
    if (positional.variadic) {
      const values = loose.slice(index).map((w) => convert(positional, w, spec));
      index = loose.length;
      if (values.length > 0) input[key] = values;
    } else if (index < loose.length) {
      input[key] = convert(positional, loose[index++]!, spec);
    }
    if (positional.required && input[key] === undefined) {
      throw new UsageError(`"${spec.path.join(' ')}" needs ${positional.name.toUpperCase()}`, {
        hint: `try: cm help ${spec.path.join(' ')}`,
      });
    }
  }
  if (index < loose.length) {
    throw new UsageError(`unexpected argument "${loose[index]}" for "${spec.path.join(' ')}"`, {
      hint: `try: cm help ${spec.path.join(' ')}`,
    });
  }
}

function convert(positional: PositionalSpec, word: string, spec: CommandSpec): string | number {
  if (positional.choices && !positional.choices.includes(word)) {
    throw new UsageError(`${positional.name.toUpperCase()} of "${spec.path.join(' ')}" must be one of ${positional.choices.join(', ')}; got "${word}"${didYouMean(word, positional.choices)}`);
  }
  if (positional.type !== 'number') return word;
  const n = Number(word);
  if (!Number.isFinite(n)) throw new UsageError(`${positional.name.toUpperCase()} must be a number; got "${word}"`);
  return n;
}

/** Which option a word names (`--name`, `--name=v`, `--no-flag`, `-o`), if any. */
function matchOption(word: string, options: readonly OptionSpec[]): { option?: OptionSpec; inline?: string; negated?: boolean } {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : word.slice(eq + 1);
    const option = options.find((o) => o.name === name);
    if (option) return { option, ...(inline !== undefined ? { inline } : {}) };
    const negatedOption = name.startsWith('no-') ? options.find((o) => o.name === name.slice(3) && o.type === 'boolean') : undefined;
    if (negatedOption && inline === undefined) return { option: negatedOption, inline: 'false', negated: true };
    return {};
  }
  const option = options.find((o) => o.short && `-${o.short}` === word.slice(0, 2));
  if (!option) return {};
  const inline = word.length > 2 ? word.slice(2).replace(/^=/, '') : undefined;
  return { option, ...(inline !== undefined ? { inline } : {}) };
}

/** Store one option's value in `target`; returns how many extra words it consumed. */
function assign(option: OptionSpec, inline: string | undefined, words: readonly string[], i: number, target: Record<string, unknown>): number {
  const key = inputKey(option.name);
  if (option.type === 'boolean') {
    if (inline !== undefined && !['true', 'false'].includes(inline)) {
      throw new UsageError(`--${option.name} takes no value (got "${inline}")`);
    }
    target[key] = inline !== 'false';
    return 0;
  }
  let raw = inline;
  let consumed = 0;
  if (raw === undefined) {
    raw = words[i + 1];
    consumed = 1;
    if (raw === undefined) throw new UsageError(`--${option.name} needs a value${option.value ? ` (${option.value})` : ''}`);
  }
  if (option.choices && !option.choices.includes(raw)) {
    throw new UsageError(`--${option.name} must be one of ${option.choices.join(', ')}; got "${raw}"${didYouMean(raw, option.choices)}`);
  }
  if (option.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${option.name} must be a number; got "${raw}"`);
    target[key] = n;
  } else if (option.type === 'list') {
    target[key] = [...((target[key] as string[] | undefined) ?? []), raw];
  } else {
    target[key] = raw;
  }
  return consumed;
}
