/**
 * @module cli/complete
 * Tab completion from the command specs: command words, options, option values and known names (clusters,
 * variables, defaults, job ids…). The interactive shell calls it directly; bash and zsh call it through the
 * hidden `cm __complete -- WORDS… CURRENT` so every face completes the same way.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { CommandSpec, CompletionSource, OptionSpec } from '../core/command.ts';
import { GLOBAL_OPTIONS } from './globals.ts';
import { findCommand } from './parse.ts';

/** Looks up names of one kind (cluster, var, job …); returns [] when it cannot. */
export type NameLookup = (source: CompletionSource) => Promise<string[]>;

/** Candidates for `current`, the word being typed after `before`. Sorted, unique, filtered by prefix. */
export async function complete(allBefore: readonly string[], current: string, specs: readonly CommandSpec[], names: NameLookup): Promise<string[]> {
  // Global options may come first (`cm --output json hpc …`): complete their values, then skip them.
  const leading = leadingGlobals(allBefore);
  if (leading.pending) return (await valueCandidates(leading.pending, current, names)).filter((c) => c.startsWith(current)).sort();
  const before = allBefore.slice(leading.used);
  if (before.length === 0 && current.startsWith('-')) return GLOBAL_OPTIONS.map((o) => `--${o.name}`).filter((c) => c.startsWith(current)).sort();
  const found = findCommand(before, specs);
  let candidates: string[];
  if (!found || (found.used === before.length && hasLongerPath(found.spec, specs, before) && !current.startsWith('-'))) {
    // Still typing the command words: offer the next word of every path that starts with what is there.
    candidates = specs.filter((s) => before.every((w, i) => s.path[i] === w) && s.path.length > before.length).map((s) => s.path[before.length]!);
    if (found) candidates.push(...(await argumentCandidates(found.spec, [], current, names)));
  } else {
    candidates = await argumentCandidates(found.spec, before.slice(found.used), current, names);
  }
  return [...new Set(candidates.filter((c) => c.startsWith(current)))].sort();
}

/** How many leading words are global options (with their values), and the one still waiting for a value. */
function leadingGlobals(words: readonly string[]): { used: number; pending?: OptionSpec } {
  let used = 0;
  while (used < words.length && words[used]!.startsWith('-')) {
    const option = findOption(words[used]!, GLOBAL_OPTIONS);
    if (!option) break;
    if (option.type === 'boolean' || words[used]!.includes('=')) used += 1;
    else if (used + 1 < words.length) used += 2;
    else return { used, pending: option };
  }
  return { used };
}

function hasLongerPath(spec: CommandSpec, specs: readonly CommandSpec[], before: readonly string[]): boolean {
  return specs.some((s) => s.path.length > spec.path.length && before.every((w, i) => s.path[i] === w));
}

async function argumentCandidates(spec: CommandSpec, args: readonly string[], current: string, names: NameLookup): Promise<string[]> {
  const options = [...(spec.options ?? []), ...GLOBAL_OPTIONS.filter((o) => o.name !== 'dry-run' || spec.destructive)];
  const previous = args[args.length - 1];
  const pending = previous?.startsWith('-') ? findOption(previous, options) : undefined;
  if (pending && pending.type !== 'boolean' && !previous!.includes('=')) return valueCandidates(pending, current, names);
  if (current.startsWith('-')) return options.map((o) => `--${o.name}`);
  const positionalIndex = countPositionals(args, options);
  const positionals = spec.positionals ?? [];
  const positional = positionals[positionalIndex] ?? positionals.find((p) => p.variadic);
  if (!positional) return [];
  if (positional.choices) return [...positional.choices];
  return positional.complete ? sourceCandidates(positional.complete, current, names) : [];
}

function findOption(word: string, options: readonly OptionSpec[]): OptionSpec | undefined {
  return options.find((o) => word === `--${o.name}` || (o.short !== undefined && word === `-${o.short}`));
}

function countPositionals(args: readonly string[], options: readonly OptionSpec[]): number {
  let count = 0;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-')) count++;
    else if (!word.includes('=') && findOption(word, options)?.type !== 'boolean') i++;
  }
  return count;
}

async function valueCandidates(option: OptionSpec, current: string, names: NameLookup): Promise<string[]> {
  if (option.choices) return [...option.choices];
  return option.complete ? sourceCandidates(option.complete, current, names) : [];
}

async function sourceCandidates(source: CompletionSource, current: string, names: NameLookup): Promise<string[]> {
  return source === 'file' ? fileCandidates(current) : names(source).catch(() => []);
}

/** Paths that start with `current`, directories with a trailing slash. */
function fileCandidates(current: string): string[] {
  const dir = current.endsWith('/') ? current : dirname(current);
  const prefix = current.endsWith('/') ? '' : basename(current);
  try {
    return readdirSync(dir === '' ? '.' : dir)
      .filter((entry) => entry.startsWith(prefix) && (prefix.startsWith('.') || !entry.startsWith('.')))
      .map((entry) => {
        const path = dir === '.' && !current.startsWith('./') ? entry : join(dir, entry);
        return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? `${path}/` : path;
      });
  } catch {
    return [];
  }
}

/** The script `cm completion bash|zsh` prints. */
export function completionScript(shell: 'bash' | 'zsh'): string {
  if (shell === 'bash') {
    return `# cm completion for bash: source <(cm completion bash)
_cm_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(cm __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]] && compopt -o nospace
}
complete -o default -F _cm_complete cm
`;
  }
  return `#compdef cm
# cm completion for zsh: source <(cm completion zsh)
_cm() {
  local -a candidates
  candidates=("\${(@f)$(cm __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _cm cm
`;
}
