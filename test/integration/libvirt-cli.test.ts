/**
 * libvirt through the built `cm`: `register libvirt`, the vm commands and a cluster on real domains —
 * on `qemu:///system` with KVM (each `cm` process opens its own connection; the domains live in libvirtd),
 * and on `test:///default`, whose domains live only as long as one connection, so there the commands run
 * as one script in one `cm` process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { cm, tempHome } from '../helpers.ts';

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
const testDown = works('virsh', ['-c', 'test:///default', 'uri']) && works('qemu-img', ['--version']) ? false : 'virsh or qemu-img is missing (LIBVIRT_QEMU=1 .ci/libvirt.sh)';
const qemuDown = testDown || (existsSync('/usr/bin/qemu-system-x86_64') && works('virsh', ['-c', 'qemu:///system', 'uri']) ? false : 'libvirtd/QEMU not running (LIBVIRT_QEMU=1 .ci/libvirt.sh)');
const T = { timeout: 240_000 };
const tag = randomBytes(3).toString('hex');

function images(under: string): string {
  const dir = mkdtempSync(join(under, 'cm-cli-images-'));
  chmodSync(dir, 0o755);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'base.qcow2'), '64M']);
  return dir;
}

describe('libvirt on qemu:///system through cm', { skip: qemuDown }, () => {
  let home: string;
  let dir: string;
  const json = async <R>(args: string[]): Promise<R> => {
    const result = await cm(home, ['--output', 'json', ...args], { timeoutMs: 200_000 });
    if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as R;
  };
  before(() => {
    home = tempHome('cm-libvirt-');
    dir = images('/var/lib/libvirt/images');
  });
  after(() => {
    const domains = execFileSync('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name'], { encoding: 'utf8' }).split('\n').filter((n) => n.includes(tag));
    for (const d of domains) {
      works('virsh', ['-c', 'qemu:///system', 'destroy', d]);
      works('virsh', ['-c', 'qemu:///system', 'undefine', d]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('register, vm boot/list/stop/start/delete on KVM, and a cluster of two', T, async () => {
    const reg = await json<{ checked: string }>(['register', 'libvirt', 'kvm', '--uri', 'qemu:///system', '--images', dir]);
    assert.match(reg.checked, /connected; \d+ domain\(s\), 1 image\(s\)/);
    const name = `cm-vm-${tag}`;
    const booted = await json<{ name: string; status: string; id: string }[]>(['vm', 'boot', '--cloud', 'kvm', '--name', name, '--image', 'base', '--flavor', 'tiny']);
    assert.deepEqual(booted.map((b) => [b.name, b.status]), [[name, 'ACTIVE']]);
    assert.equal(execFileSync('virsh', ['-c', 'qemu:///system', 'domstate', name], { encoding: 'utf8' }).trim(), 'running');
    await json(['vm', 'stop', name, '--cloud', 'kvm']);
    assert.equal(execFileSync('virsh', ['-c', 'qemu:///system', 'domstate', name], { encoding: 'utf8' }).trim(), 'shut off');
    await json(['vm', 'delete', name, '--cloud', 'kvm']);
    assert.equal(works('virsh', ['-c', 'qemu:///system', 'domstate', name]), false, 'the domain is gone');

    const cluster = `k${tag}`;
    await json(['cluster', 'define', cluster, '--count', '2', '--cloud', 'kvm', '--image', 'base', '--flavor', 'tiny']);
    const nodes = await json<{ name: string; status: string }[]>(['cluster', 'allocate', cluster]);
    assert.deepEqual(nodes.map((n) => [n.name, n.status]), [[`${cluster}-001`, 'ACTIVE'], [`${cluster}-002`, 'ACTIVE']]);
    const deleted = await json<{ status: string }[]>(['cluster', 'delete', cluster]);
    assert.deepEqual(deleted.map((d) => d.status), ['deleted', 'deleted', 'deleted']);
  });
});

describe('libvirt on test:///default through one cm process (a script)', { skip: testDown }, () => {
  test('register, boot a cluster, list it, delete it: all in one connection', T, async () => {
    const home = tempHome('cm-libvirt-test-');
    const dir = images(tmpdir());
    const script = join(home, 'lab.cm');
    writeFileSync(script, [
      `register libvirt t --uri test:///default --images ${dir}`,
      'cluster define lab --count 3 --cloud t --image base --flavor small',
      'cluster allocate lab',
      'cluster nodes lab --refresh --output json',
      'cluster delete lab',
      'vm list --cloud t --output json',
      '',
    ].join('\n'));
    try {
      const result = await cm(home, [script], { timeoutMs: 200_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /"name": "lab-003",\s*"cloud": "t",\s*"id": "[0-9a-f-]{36}",\s*"status": "ACTIVE"/);
      // The last line, vm list, shows only the test driver's own domain "test": the cluster is gone.
      const listed = JSON.parse(result.stdout.slice(result.stdout.lastIndexOf('\n[\n') + 1)) as { name: string }[];
      assert.deepEqual(listed.map((vm) => vm.name), ['test']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
