/**
 * @module services/ansible
 * Runs `ansible-playbook` (an argument array, never a shell line) against cloudmesh's dynamic inventory
 * and reads the PLAY RECAP back into rows, so the run's outcome per host is data, not scrollback.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import { buildInventory, groupName } from './inventory.ts';

export interface PlaybookRequest {
  file: string;
  /** Limit to a cloudmesh cluster (its group, or the HPC cluster's login node) … */
  cluster?: string;
  /** … or to a group. */
  group?: string;
  /** Extra variables, passed as one JSON object so values stay literal. */
  extra?: Record<string, string>;
  check?: boolean;
}

export interface RecapRow {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** The executable Ansible runs for `-i`: bin/cm-inventory.js of this installation. */
export function inventoryScript(): string {
  // From src/services (tests) or dist/<face>/ (the bundle) the package root is two or three levels up.
  for (const up of ['../../', '../../../', '../']) {
    const candidate = fileURLToPath(new URL(`${up}bin/cm-inventory.js`, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  throw new UserError('cannot find bin/cm-inventory.js next to this cloudmesh installation');
}

/** `PLAY RECAP` lines: `host : ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0`. */
export function parseRecap(output: string): RecapRow[] {
  const start = output.lastIndexOf('PLAY RECAP');
  if (start < 0) return [];
  const rows: RecapRow[] = [];
  for (const line of output.slice(start).split('\n').slice(1)) {
    const match = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const counts = Object.fromEntries([...match[2]!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    if (!('ok' in counts)) continue;
    rows.push({ host: match[1]!, ok: counts.ok ?? 0, changed: counts.changed ?? 0, unreachable: counts.unreachable ?? 0, failed: counts.failed ?? 0, skipped: counts.skipped ?? 0, rescued: counts.rescued ?? 0, ignored: counts.ignored ?? 0 });
  }
  return rows;
}

/** Find ansible-playbook: Debian's (whose shebang is the system python) first, then PATH. */
async function findAnsiblePlaybook(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const candidates = ['/usr/bin/ansible-playbook', ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'ansible-playbook'))];
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new UserError('ansible-playbook is not installed', { hint: 'install it: apt-get install ansible-core (or pip install ansible-core)' });
}

/** Run a playbook; resolves with the recap rows and ansible's exit code (non-zero when a host failed). */
export async function runPlaybook(ctx: Context, request: PlaybookRequest): Promise<{ recap: RecapRow[]; exitCode: number; limit: string | null; output: string }> {
  try {
    await access(request.file, constants.R_OK);
  } catch {
    throw new UserError(`cannot read playbook ${request.file}`);
  }
  const limit = await resolveLimit(ctx, request);
  const program = await findAnsiblePlaybook(ctx.env);
  const argv = ['-i', inventoryScript(), request.file];
  if (limit) argv.push('--limit', limit);
  if (request.extra && Object.keys(request.extra).length > 0) argv.push('--extra-vars', JSON.stringify(request.extra));
  if (request.check) argv.push('--check');
  const env = { ...ctx.env, CLOUDMESH_HOME: ctx.home, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_RETRY_FILES_ENABLED: 'False' };
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
    let output = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      // Show the play as it runs, line by line, on the side channel (stderr): the recap is the data.
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) ctx.out.info(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => reject(new UserError(`cannot run ${program}: ${error.message}`)));
    child.once('close', (code) => resolve({ recap: parseRecap(output), exitCode: code ?? 1, limit, output }));
  });
}

/** `--cluster C`: the cluster's group of VMs, else the login node of HPC cluster C; `--group G`: that group. */
async function resolveLimit(ctx: Context, request: PlaybookRequest): Promise<string | null> {
  if (request.cluster && request.group) throw new UserError('give --cluster or --group, not both');
  const wanted = request.cluster ?? request.group;
  if (!wanted) return null;
  const inventory = await buildInventory(ctx);
  const candidates = request.cluster ? [groupName(request.cluster), groupName(`hpc_${request.cluster}`)] : [groupName(wanted)];
  const found = candidates.find((g) => inventory.groups.has(g));
  if (!found) throw new UserError(`no hosts in ${request.cluster ? 'cluster' : 'group'} "${wanted}"`, { hint: `groups: ${[...inventory.groups.keys()].join(', ')}` });
  return found;
}
