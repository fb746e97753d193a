/**
 * @module transport/ssh-pool
 * One ssh connection per login (user, host, port, key, jump host) for the whole process. Every transport
 * for that login leases it: a one-shot `cm` opens it once for all its calls, and the long-lived shell and
 * server keep it between commands (so an MFA prompt happens once per host). The last lease released closes
 * it; a connection the server dropped is reopened on next use. Channels are rationed, because sshd refuses
 * more than MaxSessions (default 10) at once on one connection.
 */
import type { Client, SFTPWrapper } from 'ssh2';
import { connectSsh, type SshEndpoint } from './ssh-connect.ts';

/**
 * Concurrent exec channels per connection. sshd's default MaxSessions is 10 (the SFTP channel is one), and
 * it frees a session slightly after the client sees the channel close, so this stays well below.
 */
export const MAX_CHANNELS = 6;

interface Entry {
  endpoint: SshEndpoint;
  refs: number;
  client: Promise<Client> | null;
  sftp: Promise<SFTPWrapper> | null;
  active: number;
  waiting: (() => void)[];
}

const pool = new Map<string, Entry>();
let connects = 0;

/** A share of one pooled connection. */
export interface Lease {
  client(): Promise<Client>;
  sftp(): Promise<SFTPWrapper>;
  /** Run `action` while holding one of the connection's channel slots. */
  withChannel<T>(action: (client: Client) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/** How many connections this process has opened so far (tests and the benchmark check reuse with it). */
export function sshConnectCount(): number {
  return connects;
}

function poolKey(endpoint: SshEndpoint): string {
  return JSON.stringify([endpoint.user, endpoint.host, endpoint.port, endpoint.key ?? '', endpoint.proxyJump ?? '']);
}

/** Lease the connection for `endpoint`; nothing connects until the first call needs it. */
export function leaseConnection(endpoint: SshEndpoint): Lease {
  const key = poolKey(endpoint);
  let entry = pool.get(key);
  if (!entry) {
    entry = { endpoint, refs: 0, client: null, sftp: null, active: 0, waiting: [] };
    pool.set(key, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  const client = (): Promise<Client> => {
    if (released) return Promise.reject(new Error('ssh transport is closed'));
    if (!held.client) {
      const opening = connectSsh(held.endpoint).then((connection) => {
        connects += 1;
        connection.once('close', () => {
          if (held.client === opening) {
            held.client = null;
            held.sftp = null;
          }
        });
        return connection;
      });
      held.client = opening;
      // A failed login is not cached: the next command asks again.
      opening.catch(() => {
        if (held.client === opening) held.client = null;
      });
    }
    return held.client;
  };
  return {
    client,
    sftp() {
      if (!held.sftp) {
        const opening = client().then(
          (connection) => new Promise<SFTPWrapper>((resolve, reject) => connection.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)))),
        );
        held.sftp = opening;
        // Forget a closed or failed SFTP session so the next call opens a new one.
        opening.then(
          (sftp) => sftp.once('close', () => held.sftp === opening && (held.sftp = null)),
          () => held.sftp === opening && (held.sftp = null),
        );
      }
      return held.sftp;
    },
    async withChannel(action) {
      const connection = await client();
      while (held.active >= MAX_CHANNELS) await new Promise<void>((resolve) => held.waiting.push(resolve));
      held.active += 1;
      try {
        return await action(connection);
      } finally {
        held.active -= 1;
        held.waiting.shift()?.();
      }
    },
    async release() {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs > 0) return;
      pool.delete(key);
      const open = held.client;
      held.client = null;
      held.sftp = null;
      if (open) await open.then((connection) => connection.end(), () => undefined);
    },
  };
}
