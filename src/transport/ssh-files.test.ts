/**
 * The ssh transport's file calls against the real sshd of ../shared/backends/ssh-up.sh (hpcuser on
 * 127.0.0.1:2222): writeFile with its pipelined close, and openInNewDirectory (one round trip for a
 * directory and its files) with write, commit and discard. What is on the cluster is checked with
 * commands run there, not through the calls under test. Skipped with the reason when sshd is down.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { SSH_TEST, sshBackendUnavailable } from '../../test/integration/hpc-backends.ts';
import { createSshTransport } from './ssh.ts';

const reason = await sshBackendUnavailable();

describe('ssh transport files (real sshd)', { skip: reason ?? false }, () => {
  const transport = reason ? null! : createSshTransport({ host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] });
  const base = `cm-files-${randomBytes(4).toString('hex')}`;
  let home = '';
  const there = async (argv: string[]) => {
    const result = await transport.exec(argv);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  /** `mode size` of each path, from stat(1) on the cluster. */
  const stat = async (...paths: string[]) => (await there(['stat', '-c', '%a %s', ...paths])).trim().split('\n');
  after(async () => {
    if (!transport) return;
    await transport.exec(['rm', '-rf', base]);
    await transport.close();
  });

  test('writeFile replaces a longer file and sets the mode', async () => {
    home = (await there(['printenv', 'HOME'])).trim();
    const path = `${home}/${base}/w/file`;
    await transport.mkdir(`${home}/${base}/w`);
    await transport.writeFile(path, 'x'.repeat(100_000), 0o644);
    await transport.writeFile(path, 'short\n', 0o600);
    assert.deepEqual(await stat(path), ['600 6']);
    assert.equal((await transport.readFile(path)).toString(), 'short\n');
  });

  test('openInNewDirectory: missing parents made, files written with their modes', async () => {
    const dir = `${home}/${base}/a/b/job`;
    const [script, data] = await transport.openInNewDirectory(dir, [`${dir}/job.sh`, `${dir}/data`]);
    await Promise.all([script!.write('#!/bin/sh\necho hi\n', 0o700), data!.write(Buffer.from([0, 1, 2]), 0o600)]);
    assert.deepEqual(await stat(dir, `${dir}/job.sh`, `${dir}/data`), ['700 4096', '700 18', '600 3']);
    assert.equal(await there([`${dir}/job.sh`]), 'hi\n');
  });

  test('a file written by someone else after the open ends up holding exactly the content', async () => {
    const dir = `${home}/${base}/c`;
    const [file] = await transport.openInNewDirectory(dir, [`${dir}/job.sh`]);
    await transport.writeFile(`${dir}/job.sh`, 'y'.repeat(5000), 0o600);
    await file!.write('#!/bin/sh\n', 0o700);
    assert.deepEqual(await stat(`${dir}/job.sh`), ['700 10']);
  });

  test('commit moves the file over an existing one; discard removes it; a failed open shows at write', async () => {
    const dir = `${home}/${base}/d`;
    await transport.mkdir(`${home}/${base}/index`);
    const target = `${home}/${base}/index/42`;
    await transport.writeFile(target, 'old entry, longer than the new one\n', 0o644);
    const [entry, unused, broken] = await transport.openInNewDirectory(dir, [`${dir}/.entry`, `${dir}/.unused`, `${home}/${base}/nowhere/x`]);
    await entry!.commit('{"id":"42"}\n', 0o600, target);
    await unused!.discard();
    assert.deepEqual(await stat(target), ['600 12']);
    assert.equal((await transport.readFile(target)).toString(), '{"id":"42"}\n');
    assert.equal(await there(['ls', '-A', dir]), '', 'the committed file moved away and the discarded one is gone');
    await assert.rejects(broken!.write('x', 0o600), (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
    await broken!.discard();
  });

  test('a directory that cannot be made rejects', async () => {
    await assert.rejects(transport.openInNewDirectory('/proc/cm-no/job', ['/proc/cm-no/job/x']));
  });
});
