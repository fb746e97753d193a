/**
 * Clusters end to end: the built `cm` against the real Docker Engine (.ci/docker.sh). A cluster of three
 * containers is defined, allocated (in parallel, and again without effect), listed, inventoried in every
 * format, made to trust itself (cross-ssh), and deleted (dry run first).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dockerDown, IMAGE, NETWORK } from '../../src/providers/compute/docker/test-fixture.ts';
import { cm, tempHome } from '../helpers.ts';

const down = dockerDown();
const T = { timeout: 180_000 };
// One story: each case builds on the cluster the one before left.
const cluster = `c${randomBytes(3).toString('hex')}`;
const nodes = [1, 2, 3].map((i) => `${cluster}-00${i}`);

interface NodeRow { name: string; status: string; ip: string | null; action?: string; error?: string }

function containers(): string[] {
  return execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${cluster}-`], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

describe('cluster commands on a real Docker Engine', { skip: down }, () => {
  let home: string;
  const run = (args: string[]) => cm(home, args, { timeoutMs: 150_000 });
  const json = async <R>(args: string[]): Promise<R> => {
    const result = await run(['--output', 'json', ...args]);
    if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as R;
  };

  before(async () => {
    home = tempHome('cm-cluster-');
    await json(['register', 'docker', 'dock', '--network', NETWORK]);
  });
  after(() => {
    const left = containers();
    if (left.length) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' });
  });

  test('define records the settings; allocate boots three containers, and again boots nothing', T, async () => {
    const defined = await json<{ name: string; count: number; cloud: string; image: string }>(['cluster', 'define', cluster, '--count', '3', '--cloud', 'dock', '--image', IMAGE, '--flavor', 'tiny']);
    assert.deepEqual([defined.name, defined.count, defined.cloud, defined.image], [cluster, 3, 'dock', IMAGE]);
    assert.deepEqual(containers(), [], 'define boots nothing');

    const allocated = await json<NodeRow[]>(['cluster', 'allocate', cluster]);
    assert.deepEqual(allocated.map((n) => [n.name, n.status, n.action]), nodes.map((n) => [n, 'ACTIVE', 'boot']));
    assert.deepEqual(containers(), nodes);

    const again = await json<NodeRow[]>(['cluster', 'allocate', cluster]);
    assert.deepEqual(again.map((n) => [n.name, n.action]), nodes.map((n) => [n, 'exists']));
    assert.deepEqual(containers(), nodes, 'no second copy');
  });

  test('a node that disappeared is booted again by the next allocate', T, async () => {
    execFileSync('docker', ['rm', '-f', nodes[1]!], { stdio: 'ignore' });
    const healed = await json<NodeRow[]>(['cluster', 'allocate', cluster]);
    assert.deepEqual(healed.map((n) => [n.name, n.action]), [[nodes[0], 'exists'], [nodes[1], 'boot'], [nodes[2], 'exists']]);
    assert.deepEqual(containers(), nodes);
  });

  test('list and nodes show the cluster; vm list and status see the containers', T, async () => {
    const list = await json<{ name: string; count: number; nodes: number; active: number }[]>(['cluster', 'list']);
    const mine = list.find((c) => c.name === cluster);
    assert.deepEqual(mine && [mine.count, mine.nodes, mine.active], [3, 3, 3]);
    const listed = await json<NodeRow[]>(['cluster', 'nodes', cluster, '--refresh']);
    assert.deepEqual(listed.map((n) => n.name), nodes);
    assert.ok(listed.every((n) => n.status === 'ACTIVE' && /^\d+\.\d+\.\d+\.\d+$/.test(n.ip ?? '')), JSON.stringify(listed));
    const vms = await json<{ name: string; group_name: string }[]>(['vm', 'list', `${cluster}-*`]);
    assert.deepEqual(vms.map((v) => [v.name, v.group_name]), nodes.map((n) => [n, cluster]));
    const status = await json<{ kind: string; name: string }[]>(['status']);
    assert.deepEqual(status.filter((s) => s.kind === 'vm' && s.name.startsWith(cluster)).map((s) => s.name), nodes);
  });

  test('inventory: Ansible INI and YAML through the engine, ssh-config stanzas by address', T, async () => {
    const ini = await run(['cluster', 'inventory', cluster]);
    assert.equal(ini.code, 0, ini.stderr);
    assert.match(ini.stdout, new RegExp(`^\\[${cluster}\\]$`, 'm'));
    for (const node of nodes) assert.match(ini.stdout, new RegExp(`^${node} .*ansible_connection=community\\.docker\\.docker ansible_host=${node}$`, 'm'));
    const yaml = await run(['cluster', 'inventory', cluster, '--format', 'yaml']);
    assert.match(yaml.stdout, new RegExp(`^all:\\n  children:\\n    ${cluster}:\\n      hosts:\\n        ${nodes[0]}:`));
    const ssh = await run(['cluster', 'inventory', cluster, '--format', 'ssh-config']);
    const hosts = [...ssh.stdout.matchAll(/^Host (\S+)\n  HostName (\S+)\n  User root$/gm)].map((m) => m[1]);
    assert.deepEqual(hosts, nodes, ssh.stdout);
    const bad = await run(['cluster', 'inventory', cluster, '--format', 'toml']);
    assert.notEqual(bad.code, 0);
  });

  test('cross-ssh: each node has its own key and authorizes all three; no private key is shown', T, async () => {
    const result = await run(['--output', 'json', 'cluster', 'cross-ssh', cluster]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /PRIVATE KEY/);
    const rows = JSON.parse(result.stdout) as { node: string; ok: boolean; authorized_keys: number }[];
    assert.deepEqual(rows.map((r) => [r.node, r.ok, r.authorized_keys]), nodes.map((n) => [n, true, 3]));
    const publics = nodes.map((node) => execFileSync('docker', ['exec', node, 'cat', '/root/.ssh/id_ed25519.pub'], { encoding: 'utf8' }).trim());
    assert.equal(new Set(publics).size, 3, 'one key pair per node');
    for (const node of nodes) {
      const authorized = execFileSync('docker', ['exec', node, 'cat', '/root/.ssh/authorized_keys'], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(authorized.sort(), [...publics].sort());
      const mode = execFileSync('docker', ['exec', node, 'stat', '-c', '%a', '/root/.ssh/id_ed25519'], { encoding: 'utf8' }).trim();
      assert.equal(mode, '600');
    }
    // Running it again adds no duplicate lines (fresh keys replace the node's own pair).
    const twice = JSON.parse((await run(['--output', 'json', 'cluster', 'cross-ssh', cluster])).stdout) as { authorized_keys: number }[];
    assert.ok(twice.every((r) => r.authorized_keys === 6), 'old public keys stay, new ones are added once');
  });

  test('delete --dry-run changes nothing; delete removes nodes and definition', T, async () => {
    const plan = await json<NodeRow[]>(['--dry-run', 'cluster', 'delete', cluster]);
    assert.deepEqual(plan.map((n) => n.status), ['would delete', 'would delete', 'would delete', 'would delete']);
    assert.deepEqual(containers(), nodes);
    const deleted = await json<NodeRow[]>(['cluster', 'delete', cluster]);
    assert.deepEqual(deleted.map((n) => [n.name, n.status]), [...nodes.map((n) => [n, 'deleted']), ['(definition)', 'deleted']]);
    assert.deepEqual(containers(), []);
    assert.ok(!(await json<{ name: string }[]>(['cluster', 'list'])).some((c) => c.name === cluster));
    const gone = await run(['cluster', 'nodes', cluster]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`no cluster "${cluster}"`));
  });
});
