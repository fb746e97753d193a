/**
 * @module test/integration/hpc-backends
 * Test support: the sshd that ../shared/backends/ssh-up.sh starts (hpcuser@127.0.0.1:2222, its client key
 * and known_hosts under $CM_BACKENDS/sshd), and whether it answers. Used by the ssh, Slurm-over-ssh and
 * CLI tests so they agree on one reason to skip.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const SSH_BACKEND_DIR = join(process.env.CM_BACKENDS ?? '/tmp/cm-backends', 'sshd');
export const SSH_TEST = {
  host: '127.0.0.1',
  port: Number(process.env.CM_SSH_PORT ?? 2222),
  user: process.env.CM_SSH_USER ?? 'hpcuser',
  key: join(SSH_BACKEND_DIR, 'client_ed25519'),
  knownHosts: join(SSH_BACKEND_DIR, 'known_hosts'),
};

/** Why the test sshd cannot be used, or null when it answers. */
export async function sshBackendUnavailable(): Promise<string | null> {
  if (!existsSync(SSH_TEST.key) || !existsSync(SSH_TEST.knownHosts)) {
    return `no test sshd keys in ${SSH_BACKEND_DIR} (run .ci/ssh.sh, which calls ../shared/backends/ssh-up.sh)`;
  }
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect(SSH_TEST.port, SSH_TEST.host);
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
  return open ? null : `nothing listens on ${SSH_TEST.host}:${SSH_TEST.port} (run .ci/ssh.sh)`;
}
