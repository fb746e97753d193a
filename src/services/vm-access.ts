/**
 * @module services/vm-access
 * Reaching into a VM: `vm ssh` and `vm put|get`. The address, login user and key come from the VM's cache
 * row and the defaults; the local `ssh`/`scp` programs are started with argument arrays, never a shell
 * line, so a name or path holding quotes, `;` or `$(…)` stays one literal word. Copies use the SFTP
 * protocol (`scp -s`), in which remote paths are not handed to a remote shell either.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../core/command.ts';
import type { VmRow } from '../core/collections.ts';
import { UnsupportedError, UserError } from '../core/errors.ts';
import { findDefault } from './defaults.ts';
import { selectRows } from './vm-actions.ts';

/** Where and as whom to log in. */
export interface Login {
  host: string;
  port: number;
  user?: string;
  identity?: string;
  /**
   * cloudmesh's own known_hosts for VMs (`$CLOUDMESH_HOME/known_hosts`), checked before the user's: cloud
   * addresses are recycled, and a recycled VM's new key must not be confused with a host the user trusts.
   */
  knownHosts?: string;
}

/** What the user may override on the command line. */
export interface LoginOptions {
  user?: string;
  identity?: string;
  port?: number;
  /** Connect to this address instead of the VM's (a jump host's forward, a NAT rule). */
  ip?: string;
  cloud?: string;
}

/**
 * The login user a stock image expects, guessed from its name (as the original client did); undefined
 * means "let ssh use the local user name".
 */
export function guessLoginUser(image: string | null | undefined): string | undefined {
  const name = (image ?? '').toLowerCase();
  if (name.startsWith('cc-') || name.includes('chameleon')) return 'cc';
  if (/ubuntu|xenial|bionic|focal|jammy|noble/.test(name)) return 'ubuntu';
  if (name.includes('debian')) return 'debian';
  if (/centos|rocky|alma/.test(name)) return name.includes('rocky') ? 'rocky' : name.includes('alma') ? 'almalinux' : 'centos';
  if (name.includes('fedora')) return 'fedora';
  if (/amzn|amazon/.test(name)) return 'ec2-user';
  if (/cirros/.test(name)) return 'cirros';
  return undefined;
}

/** Pure: the login for a VM row, options first, then defaults, then the row and the image name. */
export function loginFor(row: VmRow, options: LoginOptions, defaults: { username?: string; identity?: string }): Login {
  const host = options.ip ?? row.public_ip ?? row.private_ip;
  if (!host) throw new UserError(`${row.name} on ${row.cloud} has no IP address yet`, { hint: `cm vm ip assign ${row.name}, or cm vm refresh --cloud ${row.cloud}` });
  const rowPort = typeof row.data.sshPort === 'number' ? row.data.sshPort : undefined;
  const user = options.user ?? defaults.username ?? (typeof row.data.loginUser === 'string' ? row.data.loginUser : undefined) ?? guessLoginUser(row.image);
  const identity = options.identity ?? defaults.identity;
  return { host, port: options.port ?? rowPort ?? 22, ...(user ? { user } : {}), ...(identity ? { identity: expandHome(identity) } : {}) };
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Options every ssh/scp call gets: accept a new VM's host key once, refuse a changed one. */
function common(login: Login, portFlag: '-p' | '-P'): string[] {
  // ssh splits an -o value like a config line: a path with spaces must be double-quoted there.
  const known = login.knownHosts ? ['-o', `UserKnownHostsFile=${/\s/.test(login.knownHosts) ? `"${login.knownHosts}"` : login.knownHosts}`] : [];
  return ['-o', 'StrictHostKeyChecking=accept-new', ...known, '-o', 'ConnectTimeout=20', portFlag, String(login.port), ...(login.identity ? ['-i', login.identity, '-o', 'IdentitiesOnly=yes'] : [])];
}

function target(login: Login): string {
  return login.user ? `${login.user}@${login.host}` : login.host;
}

/**
 * `ssh` argv. `command` is a command line for the VM's shell, exactly as `ssh HOST COMMAND` takes it:
 * it is one argv word here (nothing local interprets it); the VM's login shell runs it, as the user asked.
 */
export function sshArgv(login: Login, command?: string, batch = false): string[] {
  return ['ssh', ...common(login, '-p'), ...(batch ? ['-o', 'BatchMode=yes'] : []), '--', target(login), ...(command !== undefined ? [command] : [])];
}

/** `scp -s` (SFTP protocol) argv copying `from` to `to`; the remote side is `user@host:path`. */
export function copyArgv(login: Login, direction: 'put' | 'get', local: string, remote: string): string[] {
  // An IPv6 address must be bracketed in scp's host:path form.
  const host = login.host.includes(':') ? `[${login.host}]` : login.host;
  const remoteSpec = `${login.user ? `${login.user}@` : ''}${host}:${remote}`;
  // A local path with ":" before any "/" would be read as host:path; "./" keeps it local.
  const localSpec = /^[^/]*:/.test(local) ? `./${local}` : local;
  const [from, to] = direction === 'put' ? [localSpec, remoteSpec] : [remoteSpec, localSpec];
  return ['scp', '-s', '-q', '-B', ...common(login, '-P'), '--', from, to];
}

/** The one VM `name` picks, and how to log in to it. */
export async function resolveLogin(ctx: Context, name: string, options: LoginOptions): Promise<{ row: VmRow; login: Login }> {
  const rows = await selectRows(ctx, [name], options.cloud ? { cloud: options.cloud } : {});
  if (rows.length !== 1) throw new UserError(`"${name}" matches ${rows.length} VMs (${rows.map((r) => `${r.name} on ${r.cloud}`).join(', ')}); name one`, { hint: 'add --cloud C or give the exact name' });
  const row = rows[0]!;
  const username = (await findDefault(ctx, 'username', row.cloud))?.value;
  const identity = (await findDefault(ctx, 'identity', row.cloud))?.value;
  const login = loginFor(row, options, { ...(username ? { username } : {}), ...(identity ? { identity } : {}) });
  return { row, login: { ...login, knownHosts: join(ctx.home, 'known_hosts') } };
}

/** What a non-interactive run produced (REST/library faces, where there is no terminal to hand over). */
export interface RunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `argv`. In the CLI, shell and scripts the program gets the terminal (so `vm ssh` is interactive and
 * output streams); elsewhere its output is collected and returned. The exit code is the program's.
 */
export async function runProgram(ctx: Context, argv: readonly string[], options: { interactive: boolean }): Promise<RunOutput> {
  const terminal = ctx.face === 'cli' || ctx.face === 'shell' || ctx.face === 'script';
  if (options.interactive && !terminal) throw new UnsupportedError(`an interactive ${argv[0]} session needs a terminal; give --command`);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: terminal ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const onAbort = () => child.kill('SIGTERM');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new UserError(`cannot run ${argv[0]}: ${error.message}`, { hint: `install the OpenSSH client (${argv[0]})` }));
    });
    child.on('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
