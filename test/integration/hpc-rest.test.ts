// `cm` end to end against Slurm through slurmrestd (JWT; .ci/slurm.sh with SLURM_REST=1), job files over
// ssh as hpcuser: register with a token reference, run, status, output, cm status. A literal token on the
// command line and a missing token variable are refused. Skipped with the reason without the backends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';
import { SSH_TEST, sshBackendUnavailable } from './hpc-backends.ts';

const URL = process.env.CM_SLURMRESTD_URL ?? 'http://127.0.0.1:6820';
const jwt = /SLURM_JWT=(\S+)/.exec(spawnSync('scontrol', ['token', `username=${SSH_TEST.user}`, 'lifespan=3600'], { encoding: 'utf8' }).stdout ?? '')?.[1];
const restUp = jwt ? (await fetch(`${URL}/slurm/v0.0.38/ping`, { headers: { 'X-SLURM-USER-NAME': SSH_TEST.user, 'X-SLURM-USER-TOKEN': jwt } }).catch(() => null))?.ok : false;
const reason = (await sshBackendUnavailable()) ?? (restUp ? null : `no slurmrestd with JWT at ${URL} (run .ci/slurm.sh)`);

describe('cm with Slurm through slurmrestd', { skip: reason ?? false }, () => {
  test('register (token as env: reference, never literal), run, status, output, cm status', async () => {
    const home = tempHome();
    const env = { CM_TEST_JWT: jwt! };
    const files = ['--host', SSH_TEST.host, '--port', String(SSH_TEST.port), '--key', SSH_TEST.key, '--known-hosts', SSH_TEST.knownHosts];
    const workdir = `cm-rest-e2e-${randomBytes(4).toString('hex')}`;
    const base = ['register', 'hpc', 'rest1', '--transport', 'rest', '--url', URL, '--user', SSH_TEST.user, ...files, '--workdir', workdir];
    const literal = await cm(home, [...base, '--token', jwt!], { env });
    assert.equal(literal.code, 1);
    assert.match(literal.stderr, /--token must be a reference/);
    assert.doesNotMatch(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), /rest1/);
    const unset = await cm(home, [...base, '--token', 'env:CM_TEST_JWT']);
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /environment variable CM_TEST_JWT is not set/);
    const ok = await cm(home, [...base, '--token', 'env:CM_TEST_JWT', '--partition', 'debug'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), /token: env:CM_TEST_JWT/);
    const job = await cmJson<{ id: string }>(home, ['hpc', 'run', '--cluster', 'rest1', '--name', 'via rest', 'printf', '%s', "a 'b' $(c)"], { env });
    const done = await eventually(async () => {
      const [row] = await cmJson<{ state: string }[]>(home, ['hpc', 'status', job.id, '--cluster', 'rest1'], { env });
      return row && ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(row.state) ? row : undefined;
    }, 40_000, 'the job to finish');
    assert.equal(done.state, 'COMPLETED');
    assert.equal((await cm(home, ['hpc', 'output', job.id, '--cluster', 'rest1'], { env })).stdout, "a 'b' $(c)");
    const status = await cmJson<{ where: string; id: string }[]>(home, ['status'], { env });
    assert.ok(status.some((row) => row.where === 'rest1' && row.id === job.id));
    const list = await cmJson<{ name: string; transport: string; where: string }[]>(home, ['register', 'list']);
    assert.deepEqual(list.find((row) => row.name === 'rest1')?.transport, 'rest');
    spawnSync('ssh', ['-i', SSH_TEST.key, '-o', `UserKnownHostsFile=${SSH_TEST.knownHosts}`, '-o', 'BatchMode=yes', '-p', String(SSH_TEST.port), `${SSH_TEST.user}@${SSH_TEST.host}`, 'rm', '-rf', workdir]);
  });
});
