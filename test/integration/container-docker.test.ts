/**
 * `cm container …` end to end: the built `cm` against the real Docker Engine (.ci/docker.sh) — run with
 * limits, ports and environment, list, logs, exec, stop/start/rm; a name full of shell metacharacters; and
 * what a user gets wrong: an image that is not there, a port already taken, a socket that is missing or
 * not permitted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { dockerDown, IMAGE, NETWORK } from '../../src/providers/compute/docker/test-fixture.ts';
import { cm, CM, tempHome } from '../helpers.ts';

const down = dockerDown();
const T = { timeout: 120_000 };
const prefix = `ct${randomBytes(3).toString('hex')}`;

interface Row { name: string; id: string; state: string; ports: string; cpus: number | null; memory_mb: number | null; ok?: boolean; error?: string }

describe('container commands on a real Docker Engine', { skip: down }, () => {
  let home: string;
  const run = (args: string[], env: Record<string, string> = {}) => cm(home, args, { timeoutMs: 100_000, env });
  const json = async <R>(args: string[]): Promise<R> => {
    const result = await run(['--output', 'json', ...args]);
    if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as R;
  };

  before(async () => {
    home = tempHome('cm-container-');
    await json(['register', 'docker', 'dock', '--network', NETWORK]);
  });
  after(() => {
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `name=${prefix}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (left.length) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' });
  });

  test('run with limits, env and a port; list, logs, exec; the limits hold inside', T, async () => {
    const name = `${prefix}-web`;
    const started = await json<Row>(['container', 'run', '--name', name, '--cpus', '0.5', '--memory', '32m', '--env', 'GREETING=hi there',
      '--port', '127.0.0.1:0:80', IMAGE, 'sh', '-c', 'echo "$GREETING"; exec httpd -f -p 80 -h /']);
    assert.deepEqual([started.name, started.state, started.cpus, started.memory_mb], [name, 'ACTIVE', 0.5, 32]);
    const listed = await json<Row[]>(['container', 'list']);
    assert.ok(listed.some((c) => c.name === name && /127\.0\.0\.1:\d+->80\/tcp/.test(c.ports)), JSON.stringify(listed));
    let logs = '';
    for (let i = 0; i < 40 && !logs.includes('hi there'); i++) logs = (await run(['container', 'logs', name])).stdout;
    assert.equal(logs, 'hi there\n');
    // cgroup v2 files, or the v1 ones on a host that still mounts v1.
    const mem = await run(['container', 'exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes']);
    assert.equal(mem.stdout.trim(), String(32 * 1024 * 1024), mem.stderr);
    const cpu = await run(['container', 'exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)']);
    const [quota, period] = cpu.stdout.trim().split(' ').map(Number);
    assert.equal(quota! / period!, 0.5, cpu.stdout);
    const failing = await run(['container', 'exec', name, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([failing.code, failing.stdout], [3, 'out\n']);
    assert.match(failing.stderr, /err/);
  });

  test('stop, start and rm (rm --dry-run keeps it)', T, async () => {
    const name = `${prefix}-life`;
    await json(['container', 'run', '--name', name, IMAGE, 'sleep', '600']);
    await json(['container', 'stop', name]);
    assert.ok(!(await json<Row[]>(['container', 'list'])).some((c) => c.name === name), 'stopped: not in the running list');
    assert.equal((await json<Row[]>(['container', 'list', '--all'])).find((c) => c.name === name)?.state, 'STOPPED');
    await json(['container', 'start', name]);
    assert.equal((await json<Row[]>(['container', 'list'])).find((c) => c.name === name)?.state, 'ACTIVE');
    await json(['--dry-run', 'container', 'rm', name]);
    assert.ok((await json<Row[]>(['container', 'list'])).some((c) => c.name === name));
    const removed = await json<Row[]>(['container', 'rm', name, `${prefix}-never-was`]);
    assert.deepEqual(removed.map((r) => r.ok), [true, true], 'removing what is gone is not an error');
    assert.ok(!(await json<Row[]>(['container', 'list', '--all'])).some((c) => c.name === name));
  });

  test('a name and arguments with shell metacharacters stay literal and run nothing', T, async () => {
    const marker = `/tmp/cm-pwned-${prefix}`;
    const name = `${prefix}-n'; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const started = await json<Row>(['container', 'run', '--name', name, IMAGE, 'echo', `$(touch ${marker})`, ';', 'touch', marker]);
    assert.equal(started.name, name);
    let logs = '';
    for (let i = 0; i < 40 && !logs; i++) logs = (await run(['container', 'logs', name])).stdout;
    assert.equal(logs, `$(touch ${marker}) ; touch ${marker}\n`);
    assert.equal(existsSync(marker), false);
    const inside = await run(['container', 'exec', name, 'ls', '/tmp']);
    assert.notEqual(inside.code, 0, 'the container has exited: echo ran once and nothing else');
    assert.equal((await json<Row[]>(['container', 'rm', name]))[0]?.ok, true);
  });

  test('an image that is not on the engine: said at once, nothing pulled', T, async () => {
    const before = Date.now();
    const result = await run(['container', 'run', '--name', `${prefix}-noimg`, 'cm/does-not-exist:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /image "cm\/does-not-exist:1" is not on the engine at \/var\/run\/docker\.sock; cm never pulls/);
    assert.ok(Date.now() - before < 30_000);
  });

  test('a port already taken: one clear line, no container left', T, async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await run(['container', 'run', '--name', `${prefix}-port`, '--port', `127.0.0.1:${port}:80`, IMAGE, 'sleep', '60']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`));
      assert.ok(!(await json<Row[]>(['container', 'list', '--all'])).some((c) => c.name === `${prefix}-port`));
    } finally {
      server.close();
    }
  });

  test('a missing socket names the socket', T, async () => {
    const other = tempHome('cm-container-nosock-');
    const result = await cm(other, ['container', 'list'], { env: { DOCKER_HOST: 'unix:///tmp/cm-no-docker-here.sock' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Docker socket \/tmp\/cm-no-docker-here\.sock does not exist: is the Docker Engine running\?/m);
  });

  test('a socket the user may not use names the socket', { ...T, skip: userInfo().uid === 0 ? false : 'needs root to run cm as another user' }, async () => {
    const other = tempHome('cm-container-nobody-');
    chownSync(other, 65534, 65534);
    let output = '';
    let code = 0;
    try {
      output = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, CM, 'container', 'list'], {
        env: { PATH: process.env.PATH ?? '', CLOUDMESH_HOME: other, HOME: other, NO_COLOR: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      code = (error as { status: number }).status;
      output = String((error as { stderr: string }).stderr);
    }
    assert.equal(code, 1, output);
    assert.match(output, /permission denied on Docker socket \/var\/run\/docker\.sock/);
  });
});
