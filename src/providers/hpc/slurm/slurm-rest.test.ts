/**
 * The Slurm scheduler through slurmrestd (JWT) on 127.0.0.1:6820, started by .ci/slurm.sh with SLURM_REST=1,
 * job files over ssh as hpcuser (../shared/backends/ssh-up.sh): the whole Scheduler contract, a discovered
 * API version, and a refused token. Skipped with the reason when a backend is down.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CONTRACT_CASES, schedulerContract } from '../../../../test/contracts/scheduler.contract.ts';
import { SSH_TEST, sshBackendUnavailable } from '../../../../test/integration/hpc-backends.ts';
import { UserError } from '../../../core/errors.ts';
import type { ClusterConfig } from '../../../core/config.ts';
import { createSshTransport } from '../../../transport/ssh.ts';
import { createSlurmRestScheduler } from './rest.ts';
import { createSlurmRest } from './rest-client.ts';

const URL = process.env.CM_SLURMRESTD_URL ?? 'http://127.0.0.1:6820';

/** A fresh JWT for hpcuser, or null when scontrol cannot make one (no auth/jwt). */
function token(): string | null {
  const result = spawnSync('scontrol', ['token', `username=${SSH_TEST.user}`, 'lifespan=7200'], { encoding: 'utf8', timeout: 15_000 });
  return /SLURM_JWT=(\S+)/.exec(result.stdout ?? '')?.[1] ?? null;
}

async function unavailable(): Promise<string | null> {
  const ssh = await sshBackendUnavailable();
  if (ssh) return ssh;
  const jwt = token();
  if (!jwt) return 'scontrol token fails: Slurm has no auth/jwt (run .ci/slurm.sh, which sets SLURM_REST=1)';
  const ping = await fetch(`${URL}/slurm/v0.0.38/ping`, { headers: { 'X-SLURM-USER-NAME': SSH_TEST.user, 'X-SLURM-USER-TOKEN': jwt } }).catch(() => null);
  if (!ping?.ok) return `slurmrestd does not answer at ${URL} (run .ci/slurm.sh)`;
  return null;
}

const reason = await unavailable();
if (reason) {
  test('Slurm over slurmrestd', { skip: reason }, () => {});
} else {
  const jwt = token()!;
  process.env.CM_TEST_SLURM_JWT = jwt;
  const entry = (workdir: string): ClusterConfig => ({
    scheduler: 'slurm',
    transport: 'rest',
    url: URL,
    token: 'env:CM_TEST_SLURM_JWT',
    host: SSH_TEST.host,
    port: SSH_TEST.port,
    user: SSH_TEST.user,
    key: SSH_TEST.key,
    known_hosts: SSH_TEST.knownHosts,
    workdir,
  });
  schedulerContract(
    'slurm over slurmrestd',
    async () => {
      const workdir = `cm-rest-contract-${randomBytes(4).toString('hex')}`;
      const scheduler = await createSlurmRestScheduler({ cluster: 'cmtest-rest', config: entry(workdir), home: '/tmp', workdir });
      return {
        scheduler,
        async cleanup() {
          const sweep = createSshTransport({ host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] });
          await sweep.exec(['rm', '-rf', '--', workdir]).catch(() => undefined);
          await sweep.close();
        },
      };
    },
    { skip: { [CONTRACT_CASES.timeLimit]: 'Slurm enforces time limits in whole minutes on a 30 s sweep (see slurm.test.ts, CM_SLURM_SLOW=1)' } },
  );

  describe('slurmrestd client', () => {
    test('discovers the API version from the server when none is configured', async () => {
      assert.equal(await createSlurmRest({ url: URL, user: SSH_TEST.user, token: jwt }).version(), 'v0.0.38');
    });
    test('a token that cannot work is one clear line about the token, before any request', async () => {
      const claims = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
      const cases: [string, RegExp][] = [
        ['not-a-token', /token for hpcuser is not a JWT/],
        [claims({ exp: 1_000_000, sun: SSH_TEST.user }), /token for hpcuser expired at 1970-01-12/],
        [claims({ exp: 4_000_000_000, sun: 'root' }), /token was made for user root, not hpcuser/],
      ];
      for (const [bad, message] of cases) {
        const rest = createSlurmRest({ url: URL, user: SSH_TEST.user, token: bad, apiVersion: 'v0.0.38' });
        await assert.rejects(rest.slurm('GET', 'jobs'), (error: Error) => error instanceof UserError && message.test(error.message));
      }
    });
    test('a well-formed token the server refuses is an error, never an empty job list', async () => {
      const forged = `e30.${Buffer.from(JSON.stringify({ exp: 4_000_000_000, iat: 1, sun: SSH_TEST.user })).toString('base64url')}.forged`;
      const rest = createSlurmRest({ url: URL, user: SSH_TEST.user, token: forged, apiVersion: 'v0.0.38' });
      await assert.rejects(rest.slurm('GET', 'jobs'), /slurmrestd: .*(HTTP 500|refused the token)/);
    });
    test('an unreachable slurmrestd is one clear line', async () => {
      const rest = createSlurmRest({ url: 'http://127.0.0.1:59999', user: SSH_TEST.user, token: jwt, apiVersion: 'v0.0.38' });
      await assert.rejects(rest.slurm('GET', 'jobs'), /cannot reach slurmrestd at http:\/\/127\.0\.0\.1:59999: connection refused/);
    });
    test('a partition that does not exist: Slurm\'s message, nothing left behind', async () => {
      const workdir = `cm-rest-bad-${randomBytes(4).toString('hex')}`;
      const scheduler = await createSlurmRestScheduler({ cluster: 'cmtest-rest', config: entry(workdir), home: '/tmp', workdir });
      try {
        await assert.rejects(scheduler.submit({ command: ['true'], partition: 'nosuchpartition' }), (error: Error) => error instanceof UserError && /slurm refused the job: Invalid partition name specified/.test(error.message));
      } finally {
        await scheduler.close();
        const sweep = createSshTransport({ host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] });
        await sweep.exec(['rm', '-rf', '--', workdir]).catch(() => undefined);
        await sweep.close();
      }
    });
  });
}
