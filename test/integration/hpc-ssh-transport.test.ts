/**
 * The ssh transport against a real sshd (../shared/backends/ssh-up.sh: hpcuser@127.0.0.1:2222): argv quoting
 * for the remote shell, SFTP files, one pooled connection, host keys (unknown, accepted, hashed, changed),
 * wrong keys, unreachable hosts and a jump host. Skipped, with the reason, when that sshd is not up.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { createSshTransport, type SshTransportOptions } from '../../src/transport/ssh.ts';
import { sshConnectCount } from '../../src/transport/ssh-pool.ts';
import { SSH_TEST, sshBackendUnavailable } from './hpc-backends.ts';

const unavailable = await sshBackendUnavailable();
const base: SshTransportOptions = { host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] };

describe('ssh transport (real sshd)', { skip: unavailable ?? false }, () => {
  let scratch: string;
  const remote = `/tmp/cm-ssh-test-${randomBytes(4).toString('hex')}`;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cm-ssh-'));
  });
  after(async () => {
    const transport = createSshTransport(base);
    await transport.exec(['rm', '-rf', '--', remote]).catch(() => undefined);
    await transport.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('runs argument arrays verbatim: quotes, spaces, ;, $(...), backticks, newlines, empty words', async () => {
    const transport = createSshTransport(base);
    try {
      const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;
      const args = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"x" y`, 'two\nlines', '$HOME * ? ~ | > <', '', '-n', '=x', '~'];
      const result = await transport.exec(['printf', '[%s]\\n', ...args]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, args.map((arg) => `[${arg}]\n`).join(''));
      assert.equal(existsSync(marker), false);
    } finally {
      await transport.close();
    }
  });

  test('exec: environment, working directory with spaces, stdin, exit codes, a missing program', async () => {
    const transport = createSshTransport(base);
    try {
      await transport.mkdir(`${remote}/a dir; $(x)`);
      const env = await transport.exec(['sh', '-c', 'printf "%s|%s" "$A" "$(pwd)"'], { env: { A: "it's $(not run)" }, cwd: `${remote}/a dir; $(x)` });
      assert.deepEqual([env.code, env.stdout], [0, `it's $(not run)|${remote}/a dir; $(x)`]);
      assert.equal((await transport.exec(['cat'], { input: 'to stdin\n' })).stdout, 'to stdin\n');
      assert.equal((await transport.exec(['sh', '-c', 'echo oops >&2; exit 7'])).code, 7);
      const missing = await transport.exec(['no-such-program-here']);
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /command not found/);
    } finally {
      await transport.close();
    }
  });

  test('files go over SFTP: mkdir -p, write with mode, read with offsets, ENOENT', async () => {
    const transport = createSshTransport(base);
    try {
      const dir = `${remote}/x/y/z`;
      await transport.mkdir(dir);
      await transport.mkdir(dir); // an existing directory is fine
      await transport.writeFile(`${dir}/f`, 'hello world', 0o640);
      assert.equal((await transport.exec(['stat', '-c', '%a', `${dir}/f`])).stdout.trim(), '640');
      assert.equal((await transport.readFile(`${dir}/f`, { offset: 6 })).toString(), 'world');
      assert.equal((await transport.readFile(`${dir}/f`, { offset: 2, maxBytes: 3 })).toString(), 'llo');
      assert.equal((await transport.readFile(`${dir}/f`, { offset: 99 })).length, 0);
      const big = randomBytes(1024 * 1024 + 17);
      await transport.writeFile(`${dir}/big`, big);
      assert.ok((await transport.readFile(`${dir}/big`)).equals(big));
      await assert.rejects(transport.readFile(`${dir}/nope`), (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
    } finally {
      await transport.close();
    }
  });

  test('one connection per login, shared by transports and reused for 50 concurrent commands', async () => {
    const before = sshConnectCount();
    const one = createSshTransport(base);
    const two = createSshTransport(base);
    try {
      const results = await Promise.all([...Array.from({ length: 25 }, () => one.exec(['true'])), ...Array.from({ length: 25 }, () => two.exec(['true']))]);
      assert.ok(results.every((result) => result.code === 0));
      assert.equal(sshConnectCount() - before, 1);
    } finally {
      await one.close();
      await two.close();
    }
    // After the last lease, the connection is closed: a new transport connects again.
    const three = createSshTransport(base);
    await three.exec(['true']);
    await three.close();
    assert.equal(sshConnectCount() - before, 2);
  });

  test('an unknown host key is refused with its fingerprint; accepting it records a hashed entry', async () => {
    const knownHosts = join(scratch, 'known_hosts-new');
    const refused = createSshTransport({ ...base, knownHosts: [knownHosts] });
    await assert.rejects(refused.exec(['true']), (error: Error) => error instanceof UserError && /not in .*known_hosts-new; refusing to connect to an unknown host/.test(error.message) && /SHA256:/.test(error.message));
    await refused.close();
    assert.equal(existsSync(knownHosts), false);
    const accepting = createSshTransport({ ...base, knownHosts: [knownHosts], acceptNewHostKey: true });
    assert.equal((await accepting.exec(['true'])).code, 0);
    await accepting.close();
    const line = readFileSync(knownHosts, 'utf8');
    assert.match(line, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    // OpenSSH itself accepts the entry we wrote.
    execFileSync('ssh', ['-i', SSH_TEST.key, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-p', String(SSH_TEST.port), `${SSH_TEST.user}@${SSH_TEST.host}`, 'true']);
    const again = createSshTransport({ ...base, knownHosts: [knownHosts] });
    assert.equal((await again.exec(['true'])).code, 0);
    await again.close();
  });

  test('entries hashed by ssh-keygen -H are understood', async () => {
    const hashed = join(scratch, 'known_hosts-hashed');
    copyFileSync(SSH_TEST.knownHosts, hashed);
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    assert.match(readFileSync(hashed, 'utf8'), /^\|1\|/);
    const transport = createSshTransport({ ...base, knownHosts: [hashed] });
    assert.equal((await transport.exec(['true'])).code, 0);
    await transport.close();
  });

  test('a CHANGED host key is refused, even with accept-new, and the message explains', async () => {
    const other = join(scratch, 'otherkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const forged = join(scratch, 'known_hosts-changed');
    writeFileSync(forged, `[${SSH_TEST.host}]:${SSH_TEST.port} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    for (const acceptNewHostKey of [false, true]) {
      const transport = createSshTransport({ ...base, knownHosts: [forged], acceptNewHostKey });
      await assert.rejects(transport.exec(['true']), /host key of \[127\.0\.0\.1\]:\d+ has CHANGED .*known_hosts-changed:1.*refusing to connect/);
      await transport.close();
    }
  });

  test('a wrong key or user is one clear line', async () => {
    const wrong = join(scratch, 'wrongkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const badKey = createSshTransport({ ...base, key: wrong });
    await assert.rejects(badKey.exec(['true']), (error: Error) => error instanceof UserError && /refused the login as hpcuser \(tried: key .*wrongkey\)/.test(error.message));
    await badKey.close();
    const badUser = createSshTransport({ ...base, user: 'nosuchuser' });
    await assert.rejects(badUser.exec(['true']), /refused the login as nosuchuser/);
    await badUser.close();
    const noFile = createSshTransport({ ...base, key: join(scratch, 'absent') });
    await assert.rejects(noFile.exec(['true']), /cannot read the ssh key .*absent.*ENOENT/);
    await noFile.close();
  });

  test('an unreachable host is one clear line', async () => {
    const closed = createSshTransport({ ...base, port: 1 });
    await assert.rejects(closed.exec(['true']), (error: Error) => error instanceof UserError && /cannot reach hpcuser@127\.0\.0\.1:1 over ssh: connection refused/.test(error.message));
    await closed.close();
    const nowhere = createSshTransport({ ...base, host: 'no-such-host.invalid' });
    await assert.rejects(nowhere.exec(['true']), /cannot reach .*no-such-host\.invalid.*: no such host/);
    await nowhere.close();
  });

  test('a jump host (ProxyJump) is used with the same keys and known_hosts checks', async () => {
    const transport = createSshTransport({ ...base, proxyJump: `${SSH_TEST.user}@${SSH_TEST.host}:${SSH_TEST.port}` });
    const result = await transport.exec(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    await transport.close();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
  });
});
