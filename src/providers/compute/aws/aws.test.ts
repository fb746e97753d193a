/**
 * The ComputeProvider conformance suite and EC2-specific bad input, against moto's EC2 on 127.0.0.1:5000
 * (started by .ci/moto.sh). moto's state is shared with other test files: nothing here resets it; every
 * test works in its own region with unique names and deletes what it made.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { computeContract } from '../../../../test/contracts/compute.contract.ts';
import { createAwsProvider } from './index.ts';
import { XENIAL, awsHome, motoCloud, motoSkip } from './moto-fixture.ts';

const skip = await motoSkip();
const home = awsHome();
const env = { HOME: home };

computeContract('aws', async () => {
  const provider = await createAwsProvider({ cloud: 'moto', config: motoCloud(), home, env });
  return {
    provider,
    image: XENIAL,
    flavor: 't2.micro',
    async cleanup() {
      // Anything the suite booted and a failing case left behind (its group is the contract's).
      for (const vm of await provider.listVms()) if (vm.group === 'cm-contract' && vm.state !== 'DELETED') await provider.delete(vm.id);
    },
  };
}, { skip, stateTimeoutMs: 30_000 });

test('a profile that is not in ~/.aws is a clear error naming the cloud and close profiles', { skip }, async () => {
  const provider = await createAwsProvider({ cloud: 'work', config: motoCloud('cmtset'), home, env });
  await assert.rejects(provider.listVms(), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /cloud "work" \(aws\): AWS profile "cmtset" is not in/);
    assert.match(error.message, /did you mean "cmtest"/);
    return true;
  });
  await provider.close();
});

test('an image or instance type that does not exist is refused with close matches, and nothing boots', { skip }, async () => {
  const provider = await createAwsProvider({ cloud: 'moto', config: motoCloud(), home, env });
  const before = (await provider.listVms()).length;
  const spec = { name: 'cm-bad-input', flavor: 't2.micro', clientToken: `bad-${Date.now()}` };
  await assert.rejects(provider.boot({ ...spec, image: XENIAL.replace('xenial', 'xenail') }), (error: Error) => {
    assert.ok(error instanceof NotFoundError, String(error));
    assert.match(error.message, /no image "ubuntu.*xenail.*" \(did you mean "ubuntu\/images\/hvm-ssd\/ubuntu-xenial/);
    return true;
  });
  await assert.rejects(provider.boot({ ...spec, image: 'ami-00000000' }), /no image "ami-00000000"/);
  await assert.rejects(provider.boot({ ...spec, image: XENIAL, flavor: 't2.micor' }), /no instance type "t2.micor" \(did you mean "t2.micro"\?\)/);
  await assert.rejects(provider.boot({ ...spec, image: XENIAL, key: 'cm-no-such-key' }), NotFoundError);
  assert.equal((await provider.listVms()).length, before);
  await provider.close();
});

test('the keys stay in ~/.aws: an unreachable endpoint names the cloud and never the secret', { skip }, async () => {
  const provider = await createAwsProvider({ cloud: 'gone', config: motoCloud('cmtest', 'eu-north-1', { endpoint: 'http://127.0.0.1:9', timeout: 3 }), home, env });
  await assert.rejects(provider.listVms(), (error: Error) => {
    assert.match(error.message, /cloud "gone" \(aws\): cannot reach http:\/\/127.0.0.1:9 \(ECONNREFUSED\)/);
    assert.doesNotMatch(`${error.message} ${String(error.cause)}`, /cm-test-secret-value/);
    return true;
  });
  await provider.close();
});

test('Elastic IPs: assign allocates and attaches one, again returns it, delete releases it', { skip }, async () => {
  const provider = await createAwsProvider({ cloud: 'moto', config: motoCloud(), home, env });
  const vm = await provider.boot({ name: 'cm-eip', image: XENIAL, flavor: 't2.micro', clientToken: `eip-${Date.now()}`, group: 'cm-contract' });
  try {
    const ip = await provider.assignIp(vm.id);
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(await provider.assignIp(vm.id), ip);
    assert.ok((await provider.listIps()).some((a) => a.ip === ip && a.vmId === vm.id));
    assert.equal((await provider.getVm(vm.id))?.publicIp, ip);
  } finally {
    await provider.delete(vm.id);
  }
  assert.ok(!(await provider.listIps()).some((a) => a.vmId === vm.id), 'the address was released with the VM');
  await provider.close();
});
