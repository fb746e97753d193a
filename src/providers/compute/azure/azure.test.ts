/**
 * The ComputeProvider conformance suite for Azure. No Azure emulator exists, so it runs against
 * test/support/azure-arm-server.ts, a loopback ARM + Entra ID that follows the published REST reference,
 * with the real SDKs pointed at it (endpoint, authority host, its CA). With CM_AZURE_SUBSCRIPTION and
 * AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET set, the same suite also runs against that real
 * subscription (resource group CM_AZURE_RESOURCE_GROUP, default cloudmesh-test, which must exist).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CloudConfig } from '../../../core/config.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { computeContract } from '../../../../test/contracts/compute.contract.ts';
import { startArmServer } from '../../../../test/support/azure-arm-server.ts';
import type { ArmServer } from '../../../../test/support/azure-arm-server.ts';
import { createAzureProvider } from './index.ts';

const home = mkdtempSync(join(tmpdir(), 'cm-azure-'));
let server: ArmServer | undefined;
const serverUp = startArmServer({ opMs: 100 }).then((s) => (server = s));
after(async () => {
  await server?.close();
});

/** The cloud config `cm register azure` writes, pointed at the loopback server. */
function loopbackCloud(s: ArmServer, overrides: Record<string, unknown> = {}, secretVar = 'CM_TEST_AZURE_SECRET'): CloudConfig {
  return {
    kind: 'azure',
    credentials: { client_secret: `env:${secretVar}` },
    settings: { subscription: s.subscription, tenant: s.tenant, client_id: s.clientId, resource_group: 'cloudmesh', location: 'eastus', endpoint: s.url, authority: s.url, ca_file: s.caFile, poll_ms: 50, ...overrides },
  };
}
const env = () => ({ CM_TEST_AZURE_SECRET: server!.clientSecret, HOME: home });

computeContract('azure (loopback ARM server)', async () => {
  const s = await serverUp;
  const provider = await createAzureProvider({ cloud: 'az', config: loopbackCloud(s), home, env: env() });
  return {
    provider,
    image: 'Ubuntu2204',
    flavor: 'Standard_B1s',
    async cleanup() {
      for (const vm of await provider.listVms()) if (vm.group === 'cm-contract') await provider.delete(vm.id);
    },
  };
}, { skip: false, stateTimeoutMs: 20_000 });

const real = process.env.CM_AZURE_SUBSCRIPTION;
const realSkip = real && process.env.AZURE_CLIENT_SECRET ? false : 'set CM_AZURE_SUBSCRIPTION, AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET to run against a real Azure subscription';
computeContract('azure (real subscription)', async () => {
  const config: CloudConfig = {
    kind: 'azure',
    credentials: { client_secret: 'env:AZURE_CLIENT_SECRET' },
    settings: { subscription: real, tenant: process.env.AZURE_TENANT_ID, client_id: process.env.AZURE_CLIENT_ID, resource_group: process.env.CM_AZURE_RESOURCE_GROUP ?? 'cloudmesh-test', location: process.env.CM_AZURE_LOCATION ?? 'eastus' },
  };
  const provider = await createAzureProvider({ cloud: 'azure-real', config, home, env: process.env });
  return {
    provider,
    image: 'Ubuntu2204',
    flavor: process.env.CM_AZURE_SIZE ?? 'Standard_B1s',
    async cleanup() {
      for (const vm of await provider.listVms()) if (vm.group === 'cm-contract') await provider.delete(vm.id);
    },
  };
}, { skip: realSkip, stateTimeoutMs: 600_000 });

test('a wrong client secret is one clear line naming the cloud and the service principal, never the secret', async () => {
  const s = await serverUp;
  const wrong = 'not-the-secret-' + 'x'.repeat(12);
  const provider = await createAzureProvider({ cloud: 'az-bad', config: loopbackCloud(s, {}, 'WRONG'), home, env: { WRONG: wrong } });
  await assert.rejects(provider.listVms(), (error: Error) => {
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, new RegExp(`^cloud "az-bad" \\(azure\\): Microsoft Entra ID refused service principal ${s.clientId} in tenant ${s.tenant}: AADSTS7000215`));
    assert.doesNotMatch(`${error.message}\n${error.hint}`, new RegExp(wrong));
    return true;
  });
});

test('an unset secret variable names the variable, not a value', async () => {
  const s = await serverUp;
  const provider = await createAzureProvider({ cloud: 'az-unset', config: loopbackCloud(s, {}, 'CM_NOT_SET_ANYWHERE'), home, env: {} });
  await assert.rejects(provider.listVms(), /environment variable CM_NOT_SET_ANYWHERE is not set \(for clouds.az-unset.credentials.client_secret\)/);
});

test('an image or size that does not exist is refused with close matches; a missing resource group is named', async () => {
  const s = await serverUp;
  const provider = await createAzureProvider({ cloud: 'az', config: loopbackCloud(s), home, env: env() });
  const spec = { name: 'cm-bad-input', image: 'Ubuntu2204', flavor: 'Standard_B1s', clientToken: `bad-${Date.now()}` };
  await assert.rejects(provider.boot({ ...spec, image: 'Ubuntu2240' }), (error: Error) => error instanceof NotFoundError && /no image "Ubuntu2240" in eastus \(did you mean "Ubuntu2204"\?\)/.test(error.message));
  await assert.rejects(provider.boot({ ...spec, image: 'Canonical:no-such-offer:1:latest' }), /no image "Canonical:no-such-offer:1:latest"/);
  await assert.rejects(provider.boot({ ...spec, flavor: 'Standard_B1z' }), /no VM size "Standard_B1z" in eastus \(did you mean "Standard_B1s"\?\)/);
  await assert.rejects(provider.boot({ ...spec, key: 'cm-no-such-key' }), NotFoundError);
  assert.ok(!(await provider.listVms()).some((vm) => vm.name === spec.name), 'nothing was booted');
  const elsewhere = await createAzureProvider({ cloud: 'az-rg', config: loopbackCloud(s, { resource_group: 'cm-missing-rg' }), home, env: env() });
  await assert.rejects(elsewhere.listVms(), /cloud "az-rg" \(azure\): resource group "cm-missing-rg" does not exist in subscription/);
});

test('public IPs: assign makes and attaches one, again returns it, delete releases it and the NIC', async () => {
  const s = await serverUp;
  const provider = await createAzureProvider({ cloud: 'az', config: loopbackCloud(s), home, env: env() });
  const vm = await provider.boot({ name: 'cm-ip', image: 'Debian12', flavor: 'Standard_B2s', clientToken: `ip-${Date.now()}`, group: 'cm-contract' });
  const ip = await provider.assignIp(vm.id);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(await provider.assignIp(vm.id), ip);
  assert.ok((await provider.listIps()).some((a) => a.ip === ip && a.vmId === vm.id));
  assert.equal((await provider.getVm(vm.id))?.publicIp, ip);
  assert.match(await provider.console(vm.id), /^https:\/\/.*serialconsole\.log/);
  await provider.delete(vm.id);
  assert.ok(!(await provider.listIps()).some((a) => a.ip === ip), 'the IP was released');
  assert.equal(s.state.get(`/subscriptions/${s.subscription}/resourceGroups/cloudmesh/providers/Microsoft.Network/networkInterfaces/cm-ip-nic`), undefined, 'the NIC went with the VM');
});

before(async () => {
  await serverUp;
});

test('throttling (429 + Retry-After) and transient 500s are retried by the SDK pipeline; a 409 is not', async () => {
  const s = await serverUp;
  const provider = await createAzureProvider({ cloud: 'az', config: loopbackCloud(s), home, env: env() });
  s.inject({ pattern: /^GET .*\/locations\/eastus\/vmSizes$/, status: 429, code: 'TooManyRequests', retryAfter: 1 });
  const started = Date.now();
  assert.ok((await provider.listFlavors()).length > 0);
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms for Retry-After`);
  s.inject({ pattern: /^GET .*\/sshPublicKeys$/, status: 500, code: 'InternalServerError', times: 2 });
  await provider.listKeys();
  const before = s.log.filter((l) => /^POST .*\/restart$/.test(l)).length;
  s.inject({ pattern: /^POST .*\/restart$/, status: 409, code: 'OperationNotAllowed' });
  await assert.rejects(provider.reboot('cm-some-vm'), /OperationNotAllowed/);
  assert.equal(s.log.filter((l) => /^POST .*\/restart$/.test(l)).length - before, 1, 'a refusal is not repeated');
});
