import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIni, readAwsProfile, resolveAwsSettings } from './config.ts';
import { bootTags, ruleDiff, tagMap, toRules, toVm, vmState } from './map.ts';

test('EC2 states map to cloudmesh states; stopping stays ACTIVE until stopped', () => {
  assert.deepEqual(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'odd'].map(vmState), ['BUILDING', 'ACTIVE', 'ACTIVE', 'STOPPED', 'DELETED', 'DELETED', 'UNKNOWN']);
});

test('boot tags carry name, group and token; the cloudmesh name wins over Name', () => {
  const tags = tagMap(bootTags({ name: `a'b"; $(x)`, image: 'i', flavor: 'f', clientToken: 't1', group: 'g', metadata: { 'cm.user': 'alice' } }));
  assert.deepEqual(tags, { 'cm.user': 'alice', Name: `a'b"; $(x)`, 'cm.name': `a'b"; $(x)`, 'cm.token': 't1', 'cm.group': 'g' });
  const vm = toVm({ InstanceId: 'i-1', State: { Name: 'running' }, Tags: [{ Key: 'Name', Value: 'renamed-in-console' }, { Key: 'cm.name', Value: 'web-001' }] });
  assert.equal(vm.name, 'web-001');
  assert.equal(toVm({ InstanceId: 'i-2', State: { Name: 'running' } }).name, 'i-2');
});

test('rules: flattened per CIDR, protocols by number, other rules left out; diff adds and revokes', () => {
  const rules = toRules([
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] },
    { IpProtocol: '17', FromPort: 53, ToPort: 53, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  assert.deepEqual(rules.map((r) => `${r.protocol}/${r.fromPort}/${r.cidr}`), ['tcp/22/0.0.0.0/0', 'tcp/22/10.0.0.0/8', 'udp/53/::/0']);
  const { add, remove } = ruleDiff(rules, [rules[0]!, { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }]);
  assert.deepEqual(add.map((r) => r.fromPort), [80]);
  assert.deepEqual(remove.map((r) => r.cidr), ['10.0.0.0/8', '::/0']);
});

test('AWS files: profiles from both files, [profile x] in config, keys only from the files', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const home = mkdtempSync('/tmp/cm-awsini-');
  mkdirSync(`${home}/.aws`);
  writeFileSync(`${home}/.aws/credentials`, '# comment\n[default]\naws_access_key_id = A\naws_secret_access_key = S\n\n[sso]\n');
  writeFileSync(`${home}/.aws/config`, '[default]\nregion = us-west-2\n[profile sso]\nsso_start_url = https://x\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:5000\n');
  assert.deepEqual([...parseIni('[a]\nk = v = w\n  nested = x\n').entries()], [['a', { k: 'v = w' }]]);
  const d = readAwsProfile('default', { HOME: home });
  assert.equal(d?.region, 'us-west-2');
  assert.equal(d?.keys?.accessKeyId, 'A');
  const sso = readAwsProfile('sso', { HOME: home });
  assert.equal(sso?.keys, undefined, 'no static keys: the SDK resolves it');
  assert.equal(sso?.endpoint, 'http://127.0.0.1:5000');
  assert.equal(readAwsProfile('nope', { HOME: home }), undefined);
  const s = resolveAwsSettings('c', { kind: 'aws', settings: { profile: 'sso', region: 'eu-west-1' } }, { AWS_ENDPOINT_URL: 'http://e' });
  assert.equal(s.endpoint, 'http://e');
  assert.throws(() => resolveAwsSettings('c', { kind: 'aws', settings: { region: 'mars' } }, {}), /"mars" is not an AWS region name/);
});
