/**
 * The job files a submit leaves over ssh, where the directory, script and index entry go out pipelined
 * (job-dir.ts): after a submit, exactly the script and the index entry; after a refused one, nothing at
 * all, not even the index entry's temporary file. Real sshd (hpcuser@127.0.0.1:2222) and Slurm; skipped
 * with the reason when either is down. What is on the cluster is listed with commands run there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { SSH_TEST, sshBackendUnavailable } from '../../../../test/integration/hpc-backends.ts';
import { createSshTransport } from '../../../transport/ssh.ts';
import { createSlurmScheduler } from './index.ts';

async function unavailable(): Promise<string | null> {
  const ssh = await sshBackendUnavailable();
  if (ssh) return ssh;
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 15_000 });
  return /is UP/.test(ping.stdout ?? '') ? null : 'the Slurm controller does not answer scontrol ping (run .ci/slurm.sh)';
}

const reason = await unavailable();

describe('slurm job files over ssh (real sshd + Slurm)', { skip: reason ?? false }, () => {
  const workdir = `cm-jobdir-${randomBytes(4).toString('hex')}`;
  const transport = reason ? null! : createSshTransport({ host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] });
  const scheduler = reason ? null! : createSlurmScheduler({ cluster: 'cmtest-jobdir', transport, workdir });
  const ids: string[] = [];
  /** Every file and directory under the workdir, relative, with its mode. */
  const tree = async () => (await transport.exec(['find', workdir, '-mindepth', '1', '-printf', '%P %m\n'])).stdout.trim().split('\n').filter(Boolean).sort();
  after(async () => {
    if (!scheduler) return;
    if (ids.length > 0) await transport.exec(['scancel', ...ids]);
    await transport.exec(['rm', '-rf', workdir]);
    await scheduler.close();
  });

  test('a submit leaves the job script and the index entry, nothing else', async () => {
    // Held behind a held job, so it never runs and writes no output files into its directory.
    const blocker = (await transport.exec(['sbatch', '--parsable', '--hold', '--wrap', 'true'])).stdout.trim();
    ids.push(blocker);
    const ref = await scheduler.submit({ command: ['echo', "it's $(not run)"], dependency: `afterok:${blocker}` });
    ids.push(ref.id);
    const dir = ref.dir?.split('/').at(-1) ?? '';
    assert.deepEqual(await tree(), [`${dir} 700`, `${dir}/job.sbatch 700`, 'index 700', `index/${ref.id} 600`]);
    const entry = JSON.parse((await transport.exec(['cat', `${workdir}/index/${ref.id}`])).stdout);
    assert.deepEqual([entry.id, entry.dir, entry.array, entry.name], [ref.id, ref.dir, false, 'echo']);
  });

  test('a refused submit leaves nothing behind, and the next one still works', async () => {
    const before = await tree();
    await assert.rejects(scheduler.submit({ command: ['true'], partition: `nope-${randomBytes(2).toString('hex')}` }), /invalid partition/i);
    assert.deepEqual(await tree(), before);
    const ref = await scheduler.submit({ command: ['true'], dependency: `afterok:${ids[0]}` });
    ids.push(ref.id);
    assert.ok((await tree()).includes(`index/${ref.id} 600`));
  });
});
