/**
 * @module test/contracts/compute.contract
 * The behaviour every `ComputeProvider` (OpenStack, EC2, Azure, Docker, libvirt) must show, as one reusable
 * node:test suite run against the real backend. An operation the provider reports as unsupported in
 * `capabilities()` must throw `UnsupportedError`; the case checks that instead, so a gap stays visible.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMPUTE_OPERATIONS, type ComputeOperation, type ComputeProvider, type Vm, type VmStateName } from '../../src/core/compute.ts';
import { UnsupportedError } from '../../src/core/errors.ts';

/** What a provider's test supplies. */
export interface ComputeFixture {
  provider: ComputeProvider;
  /** An image and a flavor that exist on the backend. */
  image: string;
  flavor: string;
  network?: string;
  /** Remove whatever the suite may have left behind (called after the cases). */
  cleanup(): Promise<void>;
}

export interface ComputeContractOptions {
  /** `false` to run; a string to skip the whole suite with that reason (backend down). */
  skip: false | string;
  /** Longest time a VM may take to reach a state (default 120 s). */
  stateTimeoutMs?: number;
  /** Cases to skip by key, each with its reason. */
  skipCases?: Partial<Record<keyof typeof CASES, string>>;
}

export const CASES = {
  capabilities: 'capabilities() names every operation, each supported or with a reason',
  images: 'lists images, including the fixture image',
  flavors: 'lists flavors, including the fixture flavor',
  lifecycle: 'boots, lists, stops, starts, reboots and deletes a VM',
  idempotent: 'a boot retried with the same client token makes no second VM',
  literalName: 'keeps a name with quotes and shell metacharacters literal',
  keys: 'uploads, lists and deletes a key pair',
  secgroups: 'uploads a security group with rules, lists and deletes it',
  quota: 'reports quota entries or says why not',
  unsupported: 'every unsupported operation throws UnsupportedError',
} as const;

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnY8q8S0cJq4lG1Bf5m0n8h8o2Q3cJQx0xKkX9m3bYQ cm-contract';

/** Poll `getVm` until the VM is in `state` (or gone, for `DELETED`). */
export async function waitForVm(provider: ComputeProvider, id: string, state: VmStateName, timeoutMs: number): Promise<Vm | null> {
  const deadline = Date.now() + timeoutMs;
  let last: Vm | null = null;
  for (;;) {
    last = await provider.getVm(id);
    if (state === 'DELETED' ? last === null || last.state === 'DELETED' : last?.state === state) return last;
    if (last?.state === 'ERROR' && state !== 'ERROR') assert.fail(`VM ${id} went to ERROR: ${JSON.stringify(last.data)}`);
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  assert.fail(`VM ${id} did not reach ${state} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** Run the contract for one provider kind. `make` is called once, before the cases. */
export function computeContract(kind: string, make: () => Promise<ComputeFixture>, options: ComputeContractOptions): void {
  describe(`ComputeProvider contract: ${kind}`, { skip: options.skip }, () => {
    let fx: ComputeFixture;
    const timeout = options.stateTimeoutMs ?? 120_000;
    const suffix = randomBytes(3).toString('hex');
    const supports = (op: ComputeOperation) => fx.provider.capabilities()[op] === true;
    const cases = (key: keyof typeof CASES) => ({ skip: options.skipCases?.[key] ?? false, timeout: timeout * 4 });

    before(async () => {
      fx = await make();
    });
    after(async () => {
      await fx?.cleanup();
      await fx?.provider.close();
    });

    test(CASES.capabilities, cases('capabilities'), () => {
      const caps = fx.provider.capabilities();
      for (const op of COMPUTE_OPERATIONS) {
        const cap = caps[op];
        assert.ok(cap === true || (typeof cap.unsupported === 'string' && cap.unsupported.length > 0), `${op}: ${JSON.stringify(cap)}`);
      }
      for (const op of ['listVms', 'getVm', 'boot', 'delete'] as const) assert.equal(caps[op], true, `every provider must ${op}`);
    });

    test(CASES.images, cases('images'), async () => {
      const images = await fx.provider.listImages();
      assert.ok(images.some((i) => i.name === fx.image || i.id === fx.image), `image ${fx.image} not in ${images.map((i) => i.name).join(', ')}`);
    });

    test(CASES.flavors, cases('flavors'), async () => {
      if (!supports('listFlavors')) return assert.rejects(fx.provider.listFlavors(), UnsupportedError);
      const flavors = await fx.provider.listFlavors();
      assert.ok(flavors.some((f) => f.name === fx.flavor || f.id === fx.flavor), `flavor ${fx.flavor} not in ${flavors.map((f) => f.name).join(', ')}`);
    });

    test(CASES.lifecycle, cases('lifecycle'), async () => {
      const name = `cm-contract-${suffix}`;
      const booted = await fx.provider.boot(spec(name, `tok-${suffix}-1`));
      try {
        assert.equal(booted.name, name);
        await waitForVm(fx.provider, booted.id, 'ACTIVE', timeout);
        const listed = await fx.provider.listVms();
        const mine = listed.find((vm) => vm.id === booted.id);
        assert.ok(mine, 'the booted VM is listed');
        assert.equal(mine.name, name);
        for (const [op, state] of [['stop', 'STOPPED'], ['start', 'ACTIVE'], ['reboot', 'ACTIVE']] as const) {
          if (!supports(op)) {
            await assert.rejects(fx.provider[op](booted.id), UnsupportedError);
            continue;
          }
          await fx.provider[op](booted.id);
          await waitForVm(fx.provider, booted.id, state, timeout);
        }
      } finally {
        await fx.provider.delete(booted.id);
      }
      await waitForVm(fx.provider, booted.id, 'DELETED', timeout);
      await fx.provider.delete(booted.id); // deleting what is gone is not an error
    });

    test(CASES.idempotent, cases('idempotent'), async () => {
      const name = `cm-contract-idem-${suffix}`;
      const token = `tok-${suffix}-2`;
      const first = await fx.provider.boot(spec(name, token));
      try {
        const again = await fx.provider.boot(spec(name, token));
        assert.equal(again.id, first.id, 'the retried boot returns the first VM');
        const named = (await fx.provider.listVms()).filter((vm) => vm.name === name && vm.state !== 'DELETED');
        assert.equal(named.length, 1, `exactly one VM named ${name}: ${named.map((v) => v.id).join(', ')}`);
      } finally {
        await fx.provider.delete(first.id);
      }
    });

    test(CASES.literalName, cases('literalName'), async () => {
      // Providers restrict names differently; these characters pass through OpenStack/EC2 tags literally, and
      // providers with strict name rules map them in `boot` and keep the original in metadata.
      const name = `cm-q'"; $(touch /tmp/cm-pwned-${suffix}) x`;
      const vm = await fx.provider.boot(spec(name, `tok-${suffix}-3`));
      try {
        const seen = await fx.provider.getVm(vm.id);
        assert.equal(seen?.name, name);
        const { existsSync } = await import('node:fs');
        assert.equal(existsSync(`/tmp/cm-pwned-${suffix}`), false, 'nothing ran');
      } finally {
        await fx.provider.delete(vm.id);
      }
    });

    test(CASES.keys, cases('keys'), async () => {
      const name = `cm-contract-key-${suffix}`;
      if (!supports('uploadKey')) return assert.rejects(fx.provider.uploadKey(name, PUBLIC_KEY), UnsupportedError);
      const key = await fx.provider.uploadKey(name, PUBLIC_KEY);
      assert.equal(key.name, name);
      await fx.provider.uploadKey(name, PUBLIC_KEY); // the same key again is not an error
      assert.ok((await fx.provider.listKeys()).some((k) => k.name === name));
      await fx.provider.deleteKey(name);
      assert.ok(!(await fx.provider.listKeys()).some((k) => k.name === name));
    });

    test(CASES.secgroups, cases('secgroups'), async () => {
      const name = `cm-contract-sg-${suffix}`;
      const rules = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }, { protocol: 'tcp', fromPort: 8000, toPort: 8080, cidr: '10.0.0.0/8' }] as const;
      if (!supports('uploadSecgroup')) return assert.rejects(fx.provider.uploadSecgroup({ name, rules: [...rules] }), UnsupportedError);
      await fx.provider.uploadSecgroup({ name, rules: [...rules] });
      // Syncing again with one rule fewer removes it.
      const synced = await fx.provider.uploadSecgroup({ name, rules: [rules[0]] });
      assert.deepEqual(synced.rules.filter((r) => r.cidr !== '::/0').map((r) => [r.protocol, r.fromPort, r.toPort, r.cidr]), [['tcp', 22, 22, '0.0.0.0/0']]);
      assert.ok((await fx.provider.listSecgroups()).some((g) => g.name === name));
      await fx.provider.deleteSecgroup(name);
      assert.ok(!(await fx.provider.listSecgroups()).some((g) => g.name === name));
    });

    test(CASES.quota, cases('quota'), async () => {
      if (!supports('quota')) return assert.rejects(fx.provider.quota(), UnsupportedError);
      const entries = await fx.provider.quota();
      assert.ok(entries.length > 0);
      for (const e of entries) assert.equal(typeof e.resource, 'string');
    });

    test(CASES.unsupported, cases('unsupported'), async () => {
      const caps = fx.provider.capabilities();
      const calls: Partial<Record<ComputeOperation, () => Promise<unknown>>> = {
        rename: () => fx.provider.rename('cm-no-such-vm', 'x'),
        console: () => fx.provider.console('cm-no-such-vm'),
        assignIp: () => fx.provider.assignIp('cm-no-such-vm'),
        listIps: () => fx.provider.listIps(),
        listKeys: () => fx.provider.listKeys(),
        deleteKey: () => fx.provider.deleteKey('cm-no-such-key'),
        listSecgroups: () => fx.provider.listSecgroups(),
        deleteSecgroup: () => fx.provider.deleteSecgroup('cm-no-such-group'),
      };
      for (const [op, call] of Object.entries(calls) as [ComputeOperation, () => Promise<unknown>][]) {
        if (caps[op] !== true) await assert.rejects(call(), UnsupportedError, `${op} is listed unsupported`);
      }
    });

    function spec(name: string, clientToken: string) {
      return { name, image: fx.image, flavor: fx.flavor, clientToken, group: 'cm-contract', ...(fx.network ? { network: fx.network } : {}) };
    }
  });
}
