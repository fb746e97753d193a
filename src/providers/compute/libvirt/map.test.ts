/** The pure libvirt mappings: domain names, the domain XML and what is read back from it, states. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayName, domainNameFor, domainXml, firstAddress, parseDomainXml, vmState } from './map.ts';

test('names libvirt refuses (/ and control characters) are mapped with a hash; others kept', () => {
  assert.equal(domainNameFor(`it's "odd"; $(x)`), `it's "odd"; $(x)`);
  assert.match(domainNameFor('a/b'), /^a_b-[0-9a-f]{10}$/);
  assert.notEqual(domainNameFor('a/b'), domainNameFor('a_b'));
  assert.equal(displayName({ name: domainNameFor('a/b'), tags: { 'cm.name': 'a/b' } }), 'a/b');
});

test('the domain XML escapes every value and reads back the same tags', () => {
  const tags = { 'cm.name': `<x> & "y" 'z'`, 'cm.token': 't-1', 'cm.group': 'g' };
  const xml = domainXml({ name: `<x> & "y" 'z'`, uuid: '11111111-2222-3333-4444-555555555555', type: 'kvm', vcpus: 2, ramMb: 512, disk: "/d/it's.qcow2", network: 'default', consoleLog: '/d/c.log', tags });
  assert.doesNotMatch(xml, /<x>/);
  const facts = parseDomainXml(xml);
  assert.deepEqual(facts.tags, tags);
  assert.deepEqual([facts.name, facts.vcpus, facts.ramMb, facts.disk, facts.networks, facts.consoleLog], [`<x> & "y" 'z'`, 2, 512, "/d/it's.qcow2", ['default'], '/d/c.log']);
});

test('libvirt stores memory in KiB; it is read back in MiB', () => {
  const facts = parseDomainXml(`<domain type='test'><name>t</name><uuid>u</uuid><memory unit='KiB'>262144</memory><vcpu placement='static'>1</vcpu></domain>`);
  assert.deepEqual([facts.ramMb, facts.vcpus, facts.tags], [256, 1, {}]);
});

test('states and addresses', () => {
  assert.deepEqual(['running', 'idle', 'shut off', 'paused', 'in shutdown', 'crashed', 'nostate'].map(vmState), ['ACTIVE', 'ACTIVE', 'STOPPED', 'STOPPED', 'STOPPED', 'ERROR', 'UNKNOWN']);
  assert.equal(firstAddress(' vnet0   52:54:00:aa:bb:cc    ipv4         192.168.122.7/24\n'), '192.168.122.7');
  assert.equal(firstAddress(''), null);
});
