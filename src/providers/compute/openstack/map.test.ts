/**
 * Offline tests of the pure parts: Nova/Neutron JSON → domain types, the Keystone body and catalog lookup,
 * and the retry arithmetic (Retry-After, backoff, error bodies).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authBody, endpointFor, parseToken, type Endpoint } from './keystone.ts';
import { exactNameFilter, ruleBody, toQuota, toRule, toSecurityGroup, toVm, vmState } from './map.ts';
import { backoffMs, faultMessage, isIdempotent, retryAfterMs } from './retry.ts';

describe('Nova and Neutron JSON', () => {
  test('server → Vm: state, addresses, flavor by name, image id → name, cloudmesh metadata', () => {
    const vm = toVm(
      {
        id: 's1', name: `a'b"; $(x)`, status: 'SHUTOFF', key_name: 'k', created: '2026-01-01T00:00:00Z',
        image: { id: 'img-1' }, flavor: { original_name: 'm1.tiny', vcpus: 1 },
        metadata: { 'cm.group': 'g1', 'cm.token': 't' },
        addresses: { net1: [{ addr: 'fd00::5', 'OS-EXT-IPS:type': 'fixed' }, { addr: '10.0.0.5', 'OS-EXT-IPS:type': 'fixed' }, { addr: '192.0.2.9', 'OS-EXT-IPS:type': 'floating' }] },
        'OS-EXT-STS:task_state': null, 'OS-EXT-AZ:availability_zone': 'nova', security_groups: [{ name: 'default' }, { name: 'default' }],
      },
      new Map([['img-1', 'tiny']]),
    );
    assert.equal(vm.state, 'STOPPED');
    assert.equal(vm.providerState, 'SHUTOFF');
    assert.equal(vm.name, `a'b"; $(x)`);
    assert.equal(vm.image, 'tiny');
    assert.equal(vm.flavor, 'm1.tiny');
    assert.equal(vm.group, 'g1');
    assert.equal(vm.privateIp, '10.0.0.5');
    assert.equal(vm.publicIp, '192.0.2.9');
    assert.deepEqual(vm.data['security_groups'], ['default']);
    assert.equal('task_state' in vm.data, false);
  });

  test('every Nova status has a cloudmesh state', () => {
    const expected: Record<string, string> = { ACTIVE: 'ACTIVE', BUILD: 'BUILDING', REBOOT: 'REBOOTING', HARD_REBOOT: 'REBOOTING', SHELVED_OFFLOADED: 'STOPPED', SOFT_DELETED: 'DELETED', ERROR: 'ERROR', MIGRATING: 'UNKNOWN' };
    for (const [status, state] of Object.entries(expected)) assert.equal(vmState(status), state, status);
  });

  test('security group rules: ingress only, ICMP "any" leaves the ports out, IPv6 ethertype from the CIDR', () => {
    const group = toSecurityGroup({
      id: 'g', name: 'web',
      security_group_rules: [
        { direction: 'egress', protocol: null, ethertype: 'IPv4' },
        { direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' },
        { direction: 'ingress', protocol: null, remote_group_id: 'g' },
        { direction: 'ingress', protocol: 'icmp', port_range_min: null, port_range_max: null, remote_ip_prefix: null, ethertype: 'IPv6' },
      ],
    });
    assert.deepEqual(group.rules, [
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
      { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '::/0' },
    ]);
    assert.deepEqual(ruleBody('g', { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '::/0' }).security_group_rule, {
      security_group_id: 'g', direction: 'ingress', ethertype: 'IPv6', protocol: 'icmp', remote_ip_prefix: '::/0',
    });
    assert.equal(toRule({ direction: 'ingress', protocol: 'udp', remote_ip_prefix: '10.0.0.0/8' })?.toPort, 65535);
  });

  test('quota from Nova and Neutron; negative limits are unlimited', () => {
    const q = toQuota({ quota_set: { id: 'p', cores: { in_use: 2, limit: 20, reserved: 0 }, ram: { in_use: 0, limit: -1 } } }, { quota: { floatingip: { used: 1, limit: 50 } } });
    assert.deepEqual(q, [
      { resource: 'cores', used: 2, limit: 20 },
      { resource: 'floating_ips', used: 1, limit: 50 },
      { resource: 'ram', used: 0, limit: null },
    ]);
  });

  test('the exact-name filter escapes every regular-expression character', () => {
    const name = `web.1 (x)[y]*+?^$|\\ '"`;
    const pattern = new RegExp(exactNameFilter(name));
    assert.ok(pattern.test(name));
    assert.ok(!pattern.test(`web-1 (x)[y]*+?^$|\\ '"`));
    assert.ok(!pattern.test(`${name}2`));
  });
});

describe('Keystone', () => {
  test('password and application-credential bodies', () => {
    const password = authBody({ authUrl: 'u', type: 'password', username: 'alice', userDomainName: 'Users', projectName: 'demo', projectDomainId: 'd1' }, 'pw') as any;
    assert.deepEqual(password.auth.identity.password.user, { name: 'alice', domain: { name: 'Users' }, password: 'pw' });
    assert.deepEqual(password.auth.scope, { project: { name: 'demo', domain: { id: 'd1' } } });
    const app = authBody({ authUrl: 'u', type: 'v3applicationcredential', applicationCredentialId: 'ac1' }, 's') as any;
    assert.deepEqual(app.auth, { identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 's' } } });
  });

  const catalog: Endpoint[] = [
    { type: 'compute', region: 'R1', interface: 'public', url: 'https://nova.r1/v2.1/' },
    { type: 'compute', region: 'R1', interface: 'internal', url: 'http://nova-int.r1/v2.1' },
    { type: 'compute', region: 'R2', interface: 'public', url: 'https://nova.r2/v2.1' },
    { type: 'image', region: 'R1', interface: 'public', url: 'https://glance.r1' },
    { type: 'network', region: 'R1', interface: 'public', url: 'https://neutron.r1:9696/' },
  ];

  test('endpoints by type, region and interface, with the API version Glance and Neutron leave out', () => {
    assert.equal(endpointFor('c', catalog, 'compute', 'R1', 'public'), 'https://nova.r1/v2.1');
    assert.equal(endpointFor('c', catalog, 'compute', 'R1', 'internal'), 'http://nova-int.r1/v2.1');
    assert.equal(endpointFor('c', catalog, 'image', undefined, 'public'), 'https://glance.r1/v2');
    assert.equal(endpointFor('c', catalog, 'network', 'R1', 'public'), 'https://neutron.r1:9696/v2.0');
    assert.throws(() => endpointFor('c', catalog, 'compute', undefined, 'public'), /several regions \(R1, R2\); set region_name/);
    assert.throws(() => endpointFor('c', catalog, 'compute', 'R3', 'public'), /no "compute" endpoint in region "R3"/);
    assert.throws(() => endpointFor('c', catalog, 'volumev3', 'R1', 'public'), /no "volumev3" service/);
    assert.throws(() => endpointFor('c', catalog, 'image', 'R1', 'admin'), /no admin "image" endpoint/);
  });

  test('token parsing reads the catalog, project and expiry', () => {
    const t = parseToken('tok', { token: { expires_at: '2030-01-01T00:00:00.000000Z', project: { id: 'p1' }, catalog: [{ type: 'compute', endpoints: [{ region_id: 'R1', interface: 'public', url: 'x' }] }] } });
    assert.equal(t.projectId, 'p1');
    assert.equal(t.expiresAt, Date.parse('2030-01-01T00:00:00Z'));
    assert.deepEqual(t.catalog, [{ type: 'compute', region: 'R1', interface: 'public', url: 'x' }]);
    assert.throws(() => parseToken(null, {}), /without a token/);
  });
});

describe('retry policy', () => {
  test('only idempotent methods are repeatable', () => {
    assert.deepEqual(['GET', 'PUT', 'DELETE', 'POST', 'PATCH'].map(isIdempotent), [true, true, true, false, false]);
  });

  test('Retry-After in seconds or as a date, capped; backoff grows and is capped', () => {
    assert.equal(retryAfterMs('3', 0), 3000);
    assert.equal(retryAfterMs('Wed, 01 Jan 2031 00:00:10 GMT', 0, Date.parse('2031-01-01T00:00:00Z')), 10_000);
    assert.equal(retryAfterMs('86400', 0), 60_000);
    assert.equal(backoffMs(0, 0.5), 500);
    assert.equal(backoffMs(10, 0.5), 8000);
    assert.ok(retryAfterMs('soon', 1) >= 750 && retryAfterMs('soon', 1) <= 1250);
  });

  test('the one-line reason of each service’s error body', () => {
    assert.equal(faultMessage('{"badRequest": {"message": "Invalid flavorRef", "code": 400}}'), 'Invalid flavorRef');
    assert.equal(faultMessage('{"NeutronError": {"type": "X", "message": "Quota exceeded", "detail": ""}}'), 'Quota exceeded');
    assert.equal(faultMessage('<html><body><h1>404 Not Found</h1>\n<p>gone</p></body></html>'), '404 Not Found gone');
    assert.equal(faultMessage(''), '(no details)');
  });
});
