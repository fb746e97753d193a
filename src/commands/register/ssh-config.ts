/**
 * @module commands/register/ssh-config
 * `register ssh-config [FILE]`: turn the host aliases of an OpenSSH client config (~/.ssh/config) into
 * clusters, with the settings ssh itself would use for each alias (HostName, User, Port, IdentityFile,
 * ProxyJump; first value wins, `Host *` blocks included). Nothing is contacted: `register hpc` checks one.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineCommand } from '../../core/command.ts';
import type { ClusterConfig } from '../../core/config.ts';
import { NotFoundError, UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';
import { CLUSTER_NAME } from './common.ts';

/** One `Host` block: its patterns and its settings in file order. */
interface Block {
  patterns: string[];
  settings: [string, string][];
}

/** What the parser found besides blocks, to tell the user what was not imported. */
export interface SshConfig {
  blocks: Block[];
  ignored: string[];
}

/** Parse an ssh_config text; `Match` blocks and `Include` are reported as ignored. */
export function parseSshConfig(text: string): SshConfig {
  const blocks: Block[] = [{ patterns: ['*'], settings: [] }]; // lines before the first Host apply to all
  const ignored = new Set<string>();
  let skipping = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    const value = unquote(match[2]!.trim());
    if (key === 'host') {
      skipping = false;
      blocks.push({ patterns: value.split(/\s+/).map(unquote), settings: [] });
    } else if (key === 'match') {
      skipping = true;
      ignored.add('Match blocks');
    } else if (key === 'include') {
      ignored.add(`Include ${value}`);
    } else if (!skipping) {
      blocks.at(-1)!.settings.push([key, value]);
    }
  }
  return { blocks, ignored: [...ignored] };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** ssh's pattern match: `*`, `?`, and `!` negation within one Host line. */
function hostMatches(patterns: string[], alias: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(`^${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (!regex.test(alias)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The aliases a user can type: Host patterns without wildcards or negation. */
export function concreteAliases(config: SshConfig): string[] {
  const aliases: string[] = [];
  for (const block of config.blocks.slice(1)) {
    for (const pattern of block.patterns) if (!/[*?!]/.test(pattern) && !aliases.includes(pattern)) aliases.push(pattern);
  }
  return aliases;
}

/** The effective settings of `alias`, as ssh resolves them: the first value of each key wins. */
export function settingsFor(config: SshConfig, alias: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const block of config.blocks) {
    if (!hostMatches(block.patterns, alias)) continue;
    for (const [key, value] of block.settings) if (!settings.has(key)) settings.set(key, value);
  }
  return settings;
}

interface Input {
  file?: string;
  host?: string[];
  scheduler?: string;
  replace?: boolean;
}

export const registerSshConfig = defineCommand<Input, unknown>({
  path: ['register', 'ssh-config'],
  summary: 'Register clusters from the host aliases of an ssh config file (default ~/.ssh/config)',
  description:
    'Each alias becomes clusters.ALIAS with transport ssh and the HostName, User, Port, IdentityFile and ProxyJump ssh would use for it. ' +
    'Aliases with wildcards, Match blocks and Include files are not imported. Existing clusters are kept unless --replace.',
  examples: ['cm register ssh-config', 'cm register ssh-config ~/.ssh/config --host hpc1 --host hpc2 --scheduler slurm'],
  positionals: [{ name: 'file', complete: 'file', description: 'ssh config file (default ~/.ssh/config)' }],
  options: [
    { name: 'host', type: 'list', value: 'ALIAS', description: 'Import only this alias (repeatable; default: all)' },
    { name: 'scheduler', type: 'string', value: 'KIND', choices: ['slurm', 'pbs', 'sge'], default: 'slurm', description: 'Batch system of the imported clusters' },
    { name: 'replace', type: 'boolean', description: 'Overwrite clusters that already exist' },
  ],
  changesState: true,
  columns: ['name', 'action', 'host', 'user', 'port', 'key', 'proxy_jump'],
  async run(ctx, input) {
    const home = ctx.env.HOME || homedir();
    const file = input.file ? resolve(input.file.replace(/^~(?=\/|$)/, home)) : join(home, '.ssh', 'config');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new NotFoundError(`cannot read ssh config ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const parsed = parseSshConfig(text);
    for (const what of parsed.ignored) ctx.out.warn(`${file}: ${what} not imported`);
    const aliases = concreteAliases(parsed);
    const wanted = input.host?.length ? input.host : aliases;
    for (const alias of wanted) {
      if (!aliases.includes(alias)) throw new NotFoundError(`no Host ${alias} in ${file}${didYouMean(alias, aliases)}`);
      if (!CLUSTER_NAME.test(alias) || alias === 'local') throw new UserError(`ssh alias "${alias}" cannot be a cluster name; register it with cm register hpc NAME --host ${alias}`);
    }
    if (wanted.length === 0) throw new UserError(`${file} has no Host aliases to import`);
    const config = await ctx.config();
    const rows: Record<string, unknown>[] = [];
    const entries = new Map<string, ClusterConfig>();
    for (const alias of wanted) {
      const s = settingsFor(parsed, alias);
      if (s.has('proxycommand')) ctx.out.warn(`${alias}: ProxyCommand is not supported (use ProxyJump); imported without it`);
      const entry: ClusterConfig = { scheduler: input.scheduler ?? 'slurm', transport: 'ssh', host: s.get('hostname')?.replace(/%h/g, alias) ?? alias };
      if (s.get('user')) entry.user = s.get('user');
      const port = Number(s.get('port'));
      if (s.has('port') && Number.isInteger(port) && port > 0 && port < 65536) entry.port = port;
      if (s.get('identityfile')) entry.key = s.get('identityfile')!.replace(/%d/g, home).replace(/%%/g, '%');
      if (s.get('userknownhostsfile') && s.get('userknownhostsfile') !== 'none') entry.known_hosts = s.get('userknownhostsfile')!.split(/\s+/)[0];
      const jump = s.get('proxyjump');
      if (jump && jump.toLowerCase() !== 'none') entry.proxy_jump = jump.split(',')[0];
      const exists = config.clusters[alias] !== undefined || config.clouds[alias] !== undefined;
      const action = exists && !input.replace ? 'kept (exists; --replace to overwrite)' : exists ? 'replaced' : 'added';
      if (!exists || input.replace) entries.set(alias, entry);
      rows.push({ name: alias, action, host: entry.host, user: entry.user ?? '', port: entry.port ?? 22, key: entry.key ?? '', proxy_jump: entry.proxy_jump ?? '' });
    }
    if (entries.size > 0) {
      if ([...entries.keys()].some((name) => config.clouds[name])) throw new UserError('an alias is already registered as a cloud; choose --host aliases that are not cloud names');
      const { setConfigEntry } = await import('../../config/edit.ts');
      for (const [name, entry] of entries) {
        await setConfigEntry(ctx.home, 'clusters', name, entry as Record<string, unknown>, { env: ctx.env, command: 'cm register ssh-config' });
      }
    }
    return rows;
  },
});
