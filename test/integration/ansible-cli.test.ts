// `cm inventory` and `cm playbook run` with Debian's ansible-core against real hosts: this machine (the
// local cluster, ansible_connection=local) and the sshd on 127.0.0.1:2222 registered as an HPC cluster's
// login node (.ci/ssh.sh). Skipped, with the reason, when ansible-playbook or that sshd is missing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, tempHome } from '../helpers.ts';

const backends = process.env.CM_BACKENDS ?? '/tmp/cm-backends';
const key = join(backends, 'sshd', 'client_ed25519');
const knownHosts = join(backends, 'sshd', 'known_hosts');
const ansible = existsSync('/usr/bin/ansible-playbook');
const sshUp = existsSync(key) && spawnSync('ssh', ['-p', '2222', '-i', key, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ConnectTimeout=5', 'hpcuser@127.0.0.1', 'true']).status === 0;
const skip = !ansible ? 'ansible-playbook is not installed (.ci/ansible.sh installs ansible-core)' : !sshUp ? 'no sshd answers on 127.0.0.1:2222 as hpcuser (.ci/ssh.sh)' : false;

let home: string;
before(async () => {
  home = tempHome();
  writeFileSync(join(home, 'cloudmesh.yaml'), [
    'version: 1',
    'clusters:',
    '  login:',
    '    scheduler: slurm',
    '    transport: ssh',
    '    host: 127.0.0.1',
    '    port: 2222',
    '    user: hpcuser',
    `    key: ${key}`,
    `    known_hosts: ${knownHosts}`,
    '',
  ].join('\n'), { mode: 0o600 });
  // Two cached VMs, as a refresh of cloud "os1" would leave them (inventory reads the cache), loaded through
  // `cm db import` so they land exactly as the CLI would keep them.
  const seen = new Date().toISOString();
  const vm = (name: string, ip: string | null, group: string | null) => ({ cloud: 'os1', name, id: `id-${name}`, status: 'ACTIVE', image: 'tiny', flavor: 'm1.tiny', key: null, group_name: group, public_ip: ip, private_ip: '10.0.0.5', created_at: seen, data: { login_user: 'ubuntu' }, source: 'os1', seen_at: seen });
  await importRows(home, {
    vms: [vm('web-001', '203.0.113.10', 'web'), vm('db 1', null, null)],
    groups: [{ name: 'backend', member_kind: 'vm', member: 'db 1', source: 'cli', seen_at: seen }],
  });
});

/** Add rows to a home through an export file: export what is there, append, import. */
async function importRows(home: string, rows: Record<string, object[]>): Promise<void> {
  const file = join(home, 'seed.jsonl');
  const exported = await cm(home, ['db', 'export', file]);
  assert.equal(exported.code, 0, exported.stderr);
  const [headerLine, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const header = JSON.parse(headerLine!) as { rows: Record<string, number> };
  for (const [collection, list] of Object.entries(rows)) {
    header.rows[collection] = (header.rows[collection] ?? 0) + list.length;
    for (const row of list) lines.push(JSON.stringify({ collection, row }));
  }
  writeFileSync(file, [JSON.stringify(header), ...lines].join('\n') + '\n', { mode: 0o600 });
  const imported = await cm(home, ['db', 'import', file]);
  assert.equal(imported.code, 0, imported.stderr);
}

test('inventory --list is the dynamic-inventory JSON Ansible reads, from the cache and the registered clusters', { skip: skip && !ansible ? skip : false }, async () => {
  const list = await cmJson<Record<string, { hosts: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } }>(home, ['inventory', '--list']);
  assert.deepEqual(list.cloud_os1?.hosts, ['db 1', 'web-001']);
  assert.deepEqual(list.web?.hosts, ['web-001']);
  assert.deepEqual(list.backend?.hosts, ['db 1']);
  assert.deepEqual(list.hpc?.hosts, ['localhost', 'login']);
  assert.deepEqual(list._meta.hostvars['web-001'], { cm_cloud: 'os1', cm_status: 'ACTIVE', ansible_host: '203.0.113.10', ansible_user: 'ubuntu' });
  assert.equal(list._meta.hostvars['db 1']?.ansible_host, '10.0.0.5');
  assert.deepEqual(await cmJson(home, ['inventory', '--host', 'login']), list._meta.hostvars.login);
  assert.deepEqual(await cmJson(home, ['inventory', '--host', 'nope']), {});
  const both = await cm(home, ['inventory', '--list', '--host', 'x']);
  assert.equal(both.code, 2);

  const ini = (await cm(home, ['inventory', 'export', '--format', 'ini', '--group', 'hpc'])).stdout;
  assert.match(ini, /^\[hpc\]\nlocalhost ansible_connection=local/m);
  assert.match(ini, /^login .*ansible_port=2222 ansible_user=hpcuser/m);
  const ssh = (await cm(home, ['inventory', 'export', '--format', 'ssh-config'])).stdout;
  assert.match(ssh, /Host login\n {2}HostName 127\.0\.0\.1\n {2}User hpcuser\n {2}Port 2222\n {2}IdentityFile /);
  assert.match(ssh, /Host db_1\n {2}HostName 10\.0\.0\.5/);
  const csv = (await cm(home, ['inventory', 'export', '--format', 'csv'])).stdout;
  assert.match(csv.split(/\r?\n/)[0]!, /^host,groups,address,user,port,key$/);
  const yaml = (await cm(home, ['inventory', 'export', '--format', 'yaml'])).stdout;
  assert.match(yaml, /all:\n {2}children:/);
  if (ansible) {
    // Ansible itself accepts the inventory script and sees the same groups.
    const path = (await cm(home, ['inventory', 'path'])).stdout.trim();
    const seen = spawnSync('/usr/bin/ansible-inventory', ['-i', path, '--list'], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8' });
    assert.equal(seen.status, 0, seen.stderr);
    assert.deepEqual(JSON.parse(seen.stdout).hpc.hosts, ['localhost', 'login']);
  }
});

test('playbook run reaches localhost and the ssh login node, keeps extra vars literal and records the recap', { skip, timeout: 240_000 }, async () => {
  const playbook = join(home, 'touch.yml');
  const marker = join(home, 'marker');
  writeFileSync(playbook, [
    '- hosts: all',
    '  gather_facts: false',
    '  tasks:',
    '    - name: say it',
    "      ansible.builtin.command: { argv: [printf, '%s', '{{ greeting }}'] }",
    '      register: said',
    '    - name: keep it (on this machine only)',
    `      ansible.builtin.copy: { content: "{{ said.stdout }}", dest: "${marker}" }`,
    '      delegate_to: localhost',
    '      run_once: true',
    '',
  ].join('\n'));
  const greeting = `it's "quoted"; $(touch ${home}/pwned) ok`;
  const recap = await cmJson<Array<{ host: string; ok: number; failed: number; unreachable: number }>>(home, ['playbook', 'run', playbook, '--group', 'hpc', '--extra', `greeting=${greeting}`], {});
  assert.deepEqual(recap.map((r) => [r.host, r.failed, r.unreachable]), [['localhost', 0, 0], ['login', 0, 0]]);
  assert.equal(readFileSync(marker, 'utf8'), greeting);
  assert.equal(existsSync(join(home, 'pwned')), false, 'the extra value ran nothing');
  const audit = await cmJson<Array<{ command: string; result: string }>>(home, ['audit', 'list']);
  assert.match(audit.find((a) => a.command === 'playbook run')?.result ?? '', /ok — localhost ok=\d+ .*login ok=\d+/);
});

test('a playbook that fails on one host names it in the recap and exits 1', { skip, timeout: 240_000 }, async () => {
  const playbook = join(home, 'fail.yml');
  writeFileSync(playbook, '- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.fail: { msg: "broken on purpose" }\n      when: inventory_hostname == "login"\n    - ansible.builtin.command: "true"\n');
  const result = await cm(home, ['--output', 'json', 'playbook', 'run', playbook, '--cluster', 'login'], { timeoutMs: 200_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout).map((r: { host: string; failed: number }) => [r.host, r.failed]), [['login', 1]]);
  assert.match(result.stderr, /failed on login/);
  const missing = await cm(home, ['playbook', 'run', join(home, 'nope.yml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read playbook/);
  const noGroup = await cm(home, ['playbook', 'run', playbook, '--group', 'nope']);
  assert.match(noGroup.stderr, /no hosts in group "nope"/);
});
