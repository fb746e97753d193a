/**
 * The docker provider against the real Docker Engine started by .ci/docker.sh (`cm/busybox:local`, no
 * registry): the ComputeProvider conformance suite, then what only containers have — resource limits seen
 * from inside the container, names with shell metacharacters, ports, and the failures a user meets.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { computeContract } from '../../../../test/contracts/compute.contract.ts';
import { NotFoundError, UnsupportedError, UserError } from '../../../core/errors.ts';
import { createDockerProvider, resolveDockerConfig, type DockerProvider } from './index.ts';
import { dockerDown, IMAGE, NETWORK, SOCKET } from './test-fixture.ts';

const down = dockerDown();
const suffix = randomBytes(3).toString('hex');

function provider(cloud = 'docker-test'): Promise<DockerProvider> {
  return createDockerProvider(resolveDockerConfig(cloud, { host: `unix://${SOCKET}`, network: NETWORK }));
}

/** Remove every container whose name starts with `prefix` (what a failed run may leave). */
async function removeLeftovers(p: DockerProvider, prefix: string): Promise<void> {
  for (const c of await p.containers.list()) if (c.name.startsWith(prefix)) await p.containers.remove(c.id);
}

computeContract('docker', async () => {
  const p = await provider();
  return { provider: p, image: IMAGE, flavor: 'tiny', cleanup: () => removeLeftovers(p, 'cm-') };
}, { skip: down, stateTimeoutMs: 60_000 });

describe('docker provider: containers', { skip: down }, () => {
  let p: DockerProvider;
  before(async () => {
    p = await provider();
  });
  after(async () => {
    await removeLeftovers(p, `cmt-${suffix}`);
    await p.close();
  });

  test('the flavor and --cpus/--memory limits are what the container sees in its cgroup', { timeout: 120_000 }, async () => {
    const vm = await p.boot({ name: `cmt-${suffix}-limits`, image: IMAGE, flavor: 'small', clientToken: `t-${suffix}-l` });
    const cgroup = await p.containers.exec(vm.id, ['sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us']);
    assert.equal(cgroup.code, 0, cgroup.stderr);
    const numbers = cgroup.stdout.split(/\s+/).filter(Boolean).map(Number);
    assert.equal(numbers[0], 512 * 1024 * 1024, `memory limit: ${cgroup.stdout}`);
    assert.equal(numbers[1]! / numbers[2]!, 1, `cpu quota/period = 1 cpu: ${cgroup.stdout}`);

    const run = await p.containers.run({ image: IMAGE, name: `cmt-${suffix}-run`, command: ['sleep', '300'], cpus: 0.5, memory: '64m', network: NETWORK });
    assert.equal(run.memory_mb, 64);
    assert.equal(run.cpus, 0.5);
    const inside = await p.containers.exec(`cmt-${suffix}-run`, ['sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us']);
    const [mem, quota, period] = inside.stdout.split(/\s+/).filter(Boolean).map(Number);
    assert.equal(mem, 64 * 1024 * 1024, inside.stdout);
    assert.equal(quota! / period!, 0.5, inside.stdout);
  });

  test('a name full of shell metacharacters is kept literal and runs nothing', { timeout: 60_000 }, async () => {
    const marker = `/tmp/cm-pwned-${suffix}`;
    const name = `cmt-${suffix}-x'"; touch ${marker}; $(touch ${marker}) \`touch ${marker}\` |&<>`;
    const run = await p.containers.run({ image: IMAGE, name, command: ['echo', name], network: NETWORK });
    assert.equal(run.name, name);
    const listed = (await p.containers.list()).find((c) => c.name === name);
    assert.ok(listed, 'listed under its literal name');
    // The command's argument reached echo as one literal word.
    let log = '';
    for (let i = 0; i < 50 && !log.includes(name); i++) log = await p.containers.logs(name);
    assert.equal(log.trim(), name);
    assert.equal(existsSync(marker), false, 'nothing ran on the host');
    await p.containers.remove(name);
    assert.equal((await p.containers.list()).some((c) => c.name === name), false);
  });

  test('an image that is not on the engine is reported at once, never pulled', { timeout: 30_000 }, async () => {
    const started = Date.now();
    await assert.rejects(p.containers.run({ image: 'cm/no-such-image:1', network: NETWORK }), (error: Error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.match(error.message, /image "cm\/no-such-image:1" is not on the engine at \/var\/run\/docker\.sock; cm never pulls/);
      return true;
    });
    await assert.rejects(p.boot({ name: `cmt-${suffix}-noimg`, image: 'cm/no-such-image:1', flavor: 'tiny', clientToken: `t-${suffix}-n` }), NotFoundError);
    assert.ok(Date.now() - started < 10_000, 'no registry round trip');
  });

  test('a port already taken on the host is a clear error and leaves no container', { timeout: 60_000 }, async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(
        p.containers.run({ image: IMAGE, name: `cmt-${suffix}-port`, command: ['sleep', '30'], ports: [`127.0.0.1:${port}:80`], network: NETWORK }),
        (error: Error) => error instanceof UserError && new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`).test(error.message),
      );
      assert.equal((await p.containers.list()).some((c) => c.name === `cmt-${suffix}-port`), false, 'the failed container was removed');
    } finally {
      server.close();
    }
  });

  test('a missing socket is an error naming the socket', { timeout: 30_000 }, async () => {
    const gone = await createDockerProvider(resolveDockerConfig('nowhere', { host: 'unix:///tmp/cm-no-such-docker.sock' }));
    await assert.rejects(gone.listVms(), (error: Error) => error instanceof UserError && /Docker socket \/tmp\/cm-no-such-docker\.sock does not exist/.test(error.message));
  });

  test('keys, security groups and floating IPs are unsupported with a reason', async () => {
    const caps = p.capabilities();
    for (const op of ['uploadKey', 'uploadSecgroup', 'assignIp'] as const) {
      const cap = caps[op];
      assert.notEqual(cap, true);
      assert.match((cap as { unsupported: string }).unsupported, /container/);
    }
    await assert.rejects(p.uploadKey('k', 'ssh-ed25519 AAAA'), UnsupportedError);
    await assert.rejects(p.boot({ name: 'x', image: IMAGE, flavor: 'huge', clientToken: 'x' }), /no flavor "huge"/);
  });
});
