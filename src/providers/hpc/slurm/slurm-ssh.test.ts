/**
 * The Slurm scheduler through the ssh transport, as a user on their own machine would drive a cluster:
 * hpcuser@127.0.0.1:2222 (../shared/backends/ssh-up.sh) in front of the Slurm of .ci/slurm.sh. The whole
 * Scheduler contract runs over one pooled connection; skipped with the reason when either backend is down.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { CONTRACT_CASES, schedulerContract } from '../../../../test/contracts/scheduler.contract.ts';
import { SSH_TEST, sshBackendUnavailable } from '../../../../test/integration/hpc-backends.ts';
import { createSshTransport } from '../../../transport/ssh.ts';
import { sshConnectCount } from '../../../transport/ssh-pool.ts';
import { createSlurmScheduler } from './index.ts';

async function unavailable(): Promise<string | null> {
  const ssh = await sshBackendUnavailable();
  if (ssh) return ssh;
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 15_000 });
  if (!/is UP/.test(ping.stdout ?? '')) return 'the Slurm controller does not answer scontrol ping (run .ci/slurm.sh)';
  return null;
}

const reason = await unavailable();
const endpoint = { host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] };

if (reason) {
  test('Slurm over ssh (real sshd + Slurm)', { skip: reason }, () => {});
} else {
  const connectsBefore = sshConnectCount();
  schedulerContract(
    'slurm over ssh',
    async () => {
      // Relative to hpcuser's home on the cluster, as a user's workdir usually is.
      const workdir = `cm-contract-${randomBytes(4).toString('hex')}`;
      const transport = createSshTransport(endpoint);
      const scheduler = createSlurmScheduler({ cluster: 'cmtest-ssh', transport, workdir });
      return {
        scheduler,
        async cleanup() {
          const sweep = createSshTransport(endpoint);
          await sweep.exec(['rm', '-rf', '--', workdir]).catch(() => undefined);
          await sweep.close();
        },
      };
    },
    {
      skip: {
        [CONTRACT_CASES.timeLimit]: 'Slurm enforces time limits in whole minutes on a 30 s sweep (see slurm.test.ts, CM_SLURM_SLOW=1)',
      },
    },
  );
  describe('slurm over ssh: connection reuse', () => {
    after(() => undefined);
    test('the whole contract suite used one ssh connection for its scheduler (plus one for cleanup)', () => {
      assert.ok(sshConnectCount() - connectsBefore <= 2, `${sshConnectCount() - connectsBefore} connections`);
    });
  });
}
