import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAzureSettings } from './config.ts';
import { azureName, parseUrn, throwawayPublicKey, toAzureRules, toRules, vmState } from './map.ts';

test('names Azure accepts stay; others become a slug plus a hash of the original', () => {
  assert.equal(azureName('web-001'), 'web-001');
  const odd = azureName(`cm-q'"; $(touch /tmp/x) x`);
  assert.match(odd, /^cm-q-touch-tmp-x-x-[0-9a-f]{8}$/);
  assert.notEqual(azureName('a b'), azureName('a:b'), 'different names never collide');
  assert.match(azureName('ends-with-dash-'), /^ends-with-dash-[0-9a-f]{8}$/);
  assert.ok(azureName('x'.repeat(80)).length <= 64);
});

test('provisioning state first, then power state', () => {
  assert.equal(vmState('Creating', undefined), 'BUILDING');
  assert.equal(vmState('Succeeded', 'running'), 'ACTIVE');
  assert.equal(vmState('Succeeded', 'deallocating'), 'ACTIVE');
  assert.equal(vmState('Succeeded', 'deallocated'), 'STOPPED');
  assert.equal(vmState('Succeeded', 'stopped'), 'STOPPED');
  assert.equal(vmState('Failed', 'running'), 'ERROR');
  assert.equal(vmState('Deleting', 'running'), 'DELETED');
});

test('rules round-trip through NSG security rules', () => {
  const rules = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }, { protocol: 'tcp', fromPort: 8000, toPort: 8080, cidr: '10.0.0.0/8' }, { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '192.168.0.0/16' }] as const;
  const azure = toAzureRules([...rules]);
  assert.deepEqual(azure.map((r) => [r.protocol, r.destinationPortRange, r.priority]), [['Tcp', '22', 1000], ['Tcp', '8000-8080', 1001], ['Icmp', '*', 1002]]);
  assert.deepEqual(toRules(azure), rules);
  assert.deepEqual(toRules([{ protocol: 'Tcp', direction: 'Inbound', access: 'Deny', destinationPortRange: '22', sourceAddressPrefix: '*' }]), [], 'deny rules are not cloudmesh rules');
});

test('URNs, settings and the throwaway key', () => {
  assert.deepEqual(parseUrn('Canonical:ubuntu-24_04-lts:server:latest'), { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' });
  assert.equal(parseUrn('Ubuntu2204'), undefined);
  const key = throwawayPublicKey();
  assert.match(key, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ cloudmesh-no-login$/);
  // OpenSSH itself must read it as a 2048-bit RSA key.
  const file = join(mkdtempSync(join(tmpdir(), 'cm-key-')), 'k.pub');
  writeFileSync(file, `${key}\n`);
  const keygen = spawnSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
  if (!keygen.error) assert.match(keygen.stdout, /^2048 SHA256:\S+ cloudmesh-no-login \(RSA\)/);
  const s = resolveAzureSettings('az', { kind: 'azure', settings: { subscription: '00000000-0000-0000-0000-000000000000', auth: 'cli', location: 'West Europe' } }, {});
  assert.equal(s.auth, 'cli');
  assert.equal(s.location, 'westeurope');
  assert.throws(() => resolveAzureSettings('az', { kind: 'azure', credentials: { client_secret: 'env:X' }, settings: { subscription: '00000000-0000-0000-0000-000000000000' } }, {}), /needs settings.tenant and settings.client_id/);
  assert.throws(() => resolveAzureSettings('az', { kind: 'azure', settings: { subscription: 'nope' } }, {}), /is not a subscription id/);
});
