/**
 * The Grid Engine scheduler through the ssh transport, as a user on their own machine would drive a
 * cluster: hpcuser@127.0.0.1:2222 (../shared/backends/ssh-up.sh) in front of the Grid Engine cell of
 * .ci/gridengine.sh, using the q* commands on that account's PATH. The whole Scheduler contract runs over
 * one pooled connection; skipped with the reason when either backend is down.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { schedulerContract } from '../../../../test/contracts/scheduler.contract.ts';
import { SSH_TEST, sshBackendUnavailable } from '../../../../test/integration/hpc-backends.ts';
import { createSshTransport } from '../../../transport/ssh.ts';
import { sshConnectCount } from '../../../transport/ssh-pool.ts';
import { createSgeScheduler } from './index.ts';
import { gridEngine, SGE_CONTRACT_DIALECT } from './testing.ts';

const endpoint = { host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] };

async function unavailable(): Promise<string | null> {
  const ssh = await sshBackendUnavailable();
  if (ssh) return ssh;
  const ge = gridEngine();
  if (ge.unavailable) return ge.unavailable;
  const probe = createSshTransport(endpoint);
  try {
    const result = await probe.exec(['qstat', '-g', 'c']);
    return result.code === 0 ? null : `qstat over ssh as ${SSH_TEST.user} failed: ${(result.stderr || result.stdout).trim()}`;
  } catch (error) {
    return `cannot reach ${SSH_TEST.user}@${SSH_TEST.host}:${SSH_TEST.port}: ${(error as Error).message}`;
  } finally {
    await probe.close();
  }
}

const reason = await unavailable();

if (reason) {
  test('Grid Engine over ssh (real sshd + Grid Engine)', { skip: reason }, () => {});
} else {
  const connectsBefore = sshConnectCount();
  schedulerContract(
    'sge over ssh',
    async () => {
      // Relative to hpcuser's home on the cluster, as a user's workdir usually is.
      const workdir = `cm-sge-contract-${randomBytes(4).toString('hex')}`;
      const scheduler = createSgeScheduler({ cluster: 'ge-ssh', transport: createSshTransport(endpoint), workdir });
      return {
        scheduler,
        async cleanup() {
          const sweep = createSshTransport(endpoint);
          await sweep.exec(['rm', '-rf', '--', workdir]).catch(() => undefined);
          await sweep.close();
        },
      };
    },
    { dialect: SGE_CONTRACT_DIALECT },
  );
  describe('sge over ssh: connection reuse', () => {
    test('the whole contract suite used one ssh connection for its scheduler (plus one for cleanup)', () => {
      assert.ok(sshConnectCount() - connectsBefore <= 2, `${sshConnectCount() - connectsBefore} connections`);
    });
  });
}
