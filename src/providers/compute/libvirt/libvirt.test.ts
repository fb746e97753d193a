/**
 * The libvirt provider against real libvirt (started by .ci/libvirt.sh): the ComputeProvider conformance
 * suite on the `test:///default` driver (no daemon; one virsh process is one connection, so its state holds
 * for the whole suite) and, when libvirtd and QEMU are installed (LIBVIRT_QEMU=1), on `qemu:///system`
 * with KVM, booting real (OS-less) guests from a qcow2 overlay.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { computeContract } from '../../../../test/contracts/compute.contract.ts';
import { UnsupportedError, UserError } from '../../../core/errors.ts';
import { openVirsh, virshQuote } from './client.ts';
import { createLibvirtProvider, resolveLibvirtConfig, type LibvirtProvider } from './index.ts';

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const testDown = works('virsh', ['-c', 'test:///default', 'uri']) ? (works('qemu-img', ['--version']) ? false : 'qemu-img is missing (LIBVIRT_QEMU=1 .ci/libvirt.sh installs qemu-utils)') : 'virsh is missing (run .ci/libvirt.sh)';
const qemuDown = testDown || (!existsSync('/usr/bin/qemu-system-x86_64') ? 'QEMU is not installed (LIBVIRT_QEMU=1 .ci/libvirt.sh)'
  : works('virsh', ['-c', 'qemu:///system', 'uri']) ? false : 'libvirtd does not answer on qemu:///system (run LIBVIRT_QEMU=1 .ci/libvirt.sh)');

/** A directory with one small qcow2 base image `base.qcow2`. */
function imageDir(under: string): string {
  mkdirSync(under, { recursive: true });
  const dir = mkdtempSync(join(under, 'cm-test-images-'));
  chmodSync(dir, 0o755); // qemu runs as libvirt-qemu, which must reach the image and the overlays
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'base.qcow2'), '64M']);
  return dir;
}

async function fixture(uri: string, under: string) {
  const dir = imageDir(under);
  const provider = await createLibvirtProvider(resolveLibvirtConfig('libvirt-test', { uri, images: dir, shutdown_timeout: 2 }));
  return {
    provider,
    image: 'base',
    flavor: 'tiny',
    async cleanup() {
      for (const vm of await provider.listVms()) if (vm.metadata['cm.group'] === 'cm-contract') await provider.delete(vm.id);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

computeContract('libvirt (test:///default)', () => fixture('test:///default', tmpdir()), { skip: testDown, stateTimeoutMs: 30_000 });

computeContract('libvirt (qemu:///system, KVM)', () => fixture('qemu:///system', '/var/lib/libvirt/images'), {
  skip: qemuDown,
  stateTimeoutMs: 90_000,
});

describe('libvirt: one virsh session', { skip: testDown }, () => {
  let p: LibvirtProvider;
  let dir: string;
  before(async () => {
    dir = imageDir(tmpdir());
    p = await createLibvirtProvider(resolveLibvirtConfig('t', { uri: 'test:///default', images: dir }));
  });
  after(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quoting for virsh keeps every word literal', async () => {
    const session = await openVirsh('test:///default');
    try {
      for (const word of [`a'b`, 'x y', '$(touch /tmp/cm-x)', '`id`', 'a;b', '#c', '"q"', 'back\\slash', '', '-- --help']) {
        assert.equal(await session.run(['echo', word]), word, `echo ${virshQuote(word)}`);
      }
      await assert.rejects(session.run(['echo', 'two\nlines']), /control character/);
    } finally {
      await session.close();
    }
  });

  test('state survives across calls (one connection), and the test driver has no console', async () => {
    const vm = await p.boot({ name: 'cm-session-check', image: 'base', flavor: 'small', clientToken: 'tok-session' });
    try {
      assert.equal((await p.getVm(vm.id))?.state, 'ACTIVE');
      assert.equal((await p.getVm(vm.id))?.data.ramMb, 1024);
      await assert.rejects(p.console(vm.id), UnsupportedError);
      const quota = await p.quota();
      assert.ok(quota.some((q) => q.resource === 'vcpus' && (q.used ?? 0) >= 1));
    } finally {
      await p.delete(vm.id);
    }
    assert.equal(await p.getVm(vm.id), null);
  });

  test('a missing image names the directory; a bad URI is a clear error', async () => {
    await assert.rejects(p.boot({ name: 'x', image: 'nope', flavor: 'tiny', clientToken: 't' }), new RegExp(`no image "nope" in ${dir}`));
    const bad = await createLibvirtProvider(resolveLibvirtConfig('bad', { uri: 'bogus:///nowhere', images: dir }));
    await assert.rejects(bad.listVms(), (error: Error) => error instanceof UserError && /cannot connect to libvirt at bogus:\/\/\/nowhere/.test(error.message));
    await bad.close();
  });
});

describe('libvirt on qemu:///system: console log', { skip: qemuDown }, () => {
  test('a real guest writes its firmware output to the console log', { timeout: 120_000 }, async () => {
    const dir = imageDir('/var/lib/libvirt/images');
    const p = await createLibvirtProvider(resolveLibvirtConfig('q', { uri: 'qemu:///system', images: dir, shutdown_timeout: 1 }));
    let vm: { id: string } | undefined;
    try {
      vm = await p.boot({ name: `cm-console-${process.pid}`, image: 'base', flavor: 'tiny', clientToken: `tok-console-${process.pid}` });
      let log = '';
      for (let i = 0; i < 60 && !/SeaBIOS|Booting|No bootable/i.test(log); i++) {
        log = await p.console(vm.id);
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.match(log, /SeaBIOS|Booting|No bootable/i);
    } finally {
      if (vm) await p.delete(vm.id);
      await p.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
