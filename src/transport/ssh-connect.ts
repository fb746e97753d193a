/**
 * @module transport/ssh-connect
 * Opening one authenticated ssh2 connection: the host key checked against known_hosts before anything is
 * sent, then key files, the ssh agent and keyboard-interactive (MFA) in that order, optionally through a
 * jump host. Every way this can fail ends in one line that says what to do; ssh2 is imported only here.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AnyAuthMethod as AuthMethod, Client, ConnectConfig } from 'ssh2';
import { UserError } from '../core/errors.ts';
import { addKnownHost, checkHostKey, fingerprint, keyType, knownHostName } from './known-hosts.ts';
import { requirePackage } from '../vendor/require.ts';

/** One prompt of a keyboard-interactive round; `echo: false` for secrets (passwords, codes). */
export interface PromptRequest {
  /** `user@host:port`, so the user knows who asks. */
  target: string;
  instructions: string;
  prompts: { prompt: string; echo: boolean }[];
}
/** Answers the prompts of one keyboard-interactive round, or rejects when nobody can answer. */
export type Prompter = (request: PromptRequest) => Promise<string[]>;

/** Where and how to log in. */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key file; when absent the usual ~/.ssh/id_* files are tried. */
  key?: string;
  /** Passphrase of `key`, already resolved from its secret reference. */
  passphrase?: string;
  /** known_hosts files to check (default ~/.ssh/known_hosts). The first one receives accepted keys. */
  knownHosts?: string[];
  /** Trust and record a key the known_hosts files do not list yet (never a changed one). */
  acceptNewHostKey?: boolean;
  /** ssh-agent socket (SSH_AUTH_SOCK). */
  agent?: string;
  /** Asks keyboard-interactive questions; without it such a login is refused with advice. */
  prompt?: Prompter;
  /** `[user@]host[:port]` of a jump host, reached with the same keys and known_hosts. */
  proxyJump?: string;
  /** Handshake timeout (default 15 s). */
  readyTimeoutMs?: number;
  /** Home directory for `~` and the default files (default the OS user's). */
  home?: string;
}

/** `user@host:port`, as messages show an endpoint. */
export function targetName(endpoint: Pick<SshEndpoint, 'user' | 'host' | 'port'>): string {
  return `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
}

/** `~/x` against the home directory. */
export function expandHome(path: string, home = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** The known_hosts files in effect. */
export function knownHostsFiles(endpoint: SshEndpoint): string[] {
  const home = endpoint.home ?? homedir();
  return (endpoint.knownHosts?.length ? endpoint.knownHosts : ['~/.ssh/known_hosts']).map((file) => expandHome(file, home));
}

/** Parse `[user@]host[:port]` (ProxyJump's form; `[v6]:port` too). */
export function parseJump(spec: string, defaults: { user: string }): { user: string; host: string; port: number } {
  const at = spec.lastIndexOf('@');
  const user = at > 0 ? spec.slice(0, at) : defaults.user;
  const rest = at > 0 ? spec.slice(at + 1) : spec;
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  if (!match?.[1]) throw new UserError(`invalid ProxyJump '${spec}': expected [user@]host[:port]`);
  return { user, host: match[1], port: match[2] ? Number(match[2]) : 22 };
}

/** Open and authenticate a connection (through the jump host if one is set). */
export async function connectSsh(endpoint: SshEndpoint): Promise<Client> {
  const { Client: SshClient } = requirePackage<typeof import('ssh2')>('ssh2');
  let jump: Client | undefined;
  let sock: ConnectConfig['sock'];
  if (endpoint.proxyJump) {
    const hop = parseJump(endpoint.proxyJump, endpoint);
    jump = await connectSsh({ ...endpoint, ...hop, proxyJump: undefined });
    sock = await new Promise((resolve, reject) =>
      jump!.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (error, stream) => (error ? reject(unreachable(endpoint, error)) : resolve(stream))),
    ).catch((error: unknown) => {
      jump?.end();
      throw error;
    }) as ConnectConfig['sock'];
  }
  const keys = await privateKeys(endpoint);
  const client = new SshClient();
  let hostKeyProblem: UserError | undefined;
  let promptProblem: UserError | undefined;
  const tried: string[] = [];
  return new Promise<Client>((resolve, reject) => {
    const fail = (error: unknown) => {
      client.end();
      jump?.end();
      reject(hostKeyProblem ?? promptProblem ?? classify(endpoint, error, tried));
    };
    client.once('ready', () => {
      client.removeListener('error', fail);
      // A dropped connection must not crash the process; the pool sees 'close' and reconnects.
      client.on('error', () => {});
      if (jump) client.once('close', () => jump?.end());
      resolve(client);
    });
    client.once('error', fail);
    const methods = authMethods(endpoint, keys, tried, (problem) => (promptProblem = problem));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.user,
      ...(sock ? { sock } : {}),
      readyTimeout: endpoint.readyTimeoutMs ?? 15_000,
      keepaliveInterval: 30_000,
      hostVerifier: (key: Buffer, verified: (ok: boolean) => void) => {
        verifyHostKey(endpoint, key).then(
          () => verified(true),
          (error: UserError) => {
            hostKeyProblem = error;
            verified(false);
          },
        );
      },
      authHandler: (_left: unknown, _partial: unknown, next: (method: AuthMethod | false) => void) => {
        next(methods.shift() ?? false);
      },
    } as ConnectConfig);
    // Every call is a small request waiting for a small answer: without this, Nagle's algorithm and delayed
    // ACKs add ~40 ms to each round trip (measured: 105 ms → a few ms per exec on loopback).
    client.setNoDelay(true);
  });
}


/** The login attempts, in OpenSSH's order: key files, then the agent, then keyboard-interactive. */
function authMethods(endpoint: SshEndpoint, keys: { path: string; key: Buffer }[], tried: string[], onPromptProblem: (e: UserError) => void): AuthMethod[] {
  const username = endpoint.user;
  const methods: AuthMethod[] = [];
  for (const { path, key } of keys) {
    tried.push(`key ${path}`);
    methods.push({ type: 'publickey', username, key, ...(endpoint.passphrase ? { passphrase: endpoint.passphrase } : {}) } as AuthMethod);
  }
  if (endpoint.agent) {
    tried.push('ssh-agent');
    methods.push({ type: 'agent', username, agent: endpoint.agent } as AuthMethod);
  }
  methods.push({
    type: 'keyboard-interactive',
    username,
    prompt: (_name: string, instructions: string, _lang: string, prompts: { prompt: string; echo?: boolean }[], finish: (answers: string[]) => void) => {
      if (!endpoint.prompt) {
        onPromptProblem(
          new UserError(`${targetName(endpoint)} asks for an interactive login (password or one-time code), and nobody can answer here`, {
            hint: 'run the command in a terminal (or the cm shell, which keeps the connection), or set up key login',
          }),
        );
        finish([]);
        return;
      }
      const request = { target: targetName(endpoint), instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })) };
      endpoint.prompt(request).then(finish, (error: unknown) => {
        onPromptProblem(new UserError(`login to ${targetName(endpoint)} cancelled: ${error instanceof Error ? error.message : String(error)}`));
        finish([]);
      });
    },
  } as AuthMethod);
  return methods;
}

/** The key files to offer: the configured one (which must exist), else whichever default ones exist. */
async function privateKeys(endpoint: SshEndpoint): Promise<{ path: string; key: Buffer }[]> {
  const home = endpoint.home ?? homedir();
  if (endpoint.key) {
    const path = expandHome(endpoint.key, home);
    try {
      return [{ path, key: await readFile(path) }];
    } catch (error) {
      throw new UserError(`cannot read the ssh key ${path} for ${targetName(endpoint)}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  const found: { path: string; key: Buffer }[] = [];
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const path = join(home, '.ssh', name);
    const key = await readFile(path).catch(() => null);
    if (key) found.push({ path, key });
  }
  return found;
}

/** Resolve when the host key is trusted; reject with the one-line reason otherwise. */
async function verifyHostKey(endpoint: SshEndpoint, key: Buffer): Promise<void> {
  const files = knownHostsFiles(endpoint);
  const verdict = await checkHostKey(files, endpoint.host, endpoint.port, key);
  const name = knownHostName(endpoint.host, endpoint.port);
  const print = `${keyType(key)} ${fingerprint(key)}`;
  if (verdict.kind === 'known') return;
  if (verdict.kind === 'revoked') {
    throw new UserError(`the host key of ${name} (${print}) is marked @revoked in ${verdict.file}:${verdict.line}; refusing to connect`);
  }
  if (verdict.kind === 'changed') {
    throw new UserError(
      `the host key of ${name} has CHANGED (now ${print}; ${verdict.file}:${verdict.line} lists another): someone may be intercepting the connection, or the host was reinstalled; refusing to connect`,
      { hint: `if you know the change is legitimate: ssh-keygen -R '${name}' -f ${verdict.file}, then connect again` },
    );
  }
  if (!endpoint.acceptNewHostKey) {
    throw new UserError(`the host key of ${name} (${print}) is not in ${files.join(' or ')}; refusing to connect to an unknown host`, {
      hint: 'check the fingerprint with the cluster admins, then register with --accept-host-key (or set accept_new_host_key: true)',
    });
  }
  await addKnownHost(files[0]!, endpoint.host, endpoint.port, key);
}

/** ssh2's error, as one line about what the user can check. */
function classify(endpoint: SshEndpoint, error: unknown, tried: string[]): UserError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UserError) return error;
  if (/All configured authentication methods failed/i.test(message)) {
    return new UserError(`${targetName(endpoint)} refused the login as ${endpoint.user} (tried: ${tried.join(', ') || 'no key found, no agent'})`, {
      hint: 'check the user name and key (--user, --key), or that the public key is in ~/.ssh/authorized_keys there',
    });
  }
  if (/encrypted|passphrase/i.test(message)) {
    return new UserError(`the ssh key for ${targetName(endpoint)} is encrypted: load it into ssh-agent, or set a passphrase reference (passphrase: env:VAR)`);
  }
  return unreachable(endpoint, error);
}

function unreachable(endpoint: SshEndpoint, error: unknown): UserError {
  const code = (error as { code?: string; level?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const why =
    code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'no such host'
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'no route to host'
    : /timed out/i.test(message) || code === 'ETIMEDOUT' ? 'timed out'
    : message;
  return new UserError(`cannot reach ${targetName(endpoint)} over ssh: ${why}`, { cause: error });
}
