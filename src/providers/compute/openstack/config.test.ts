/**
 * Offline tests of reading the user's OpenStack files (clouds.yaml + secure.yaml, openrc) and resolving a
 * cloud's settings: what is accepted, what is refused, and that no error ever carries the password.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, UserError } from '../../../core/errors.ts';
import { checkAuthUrl, resolveOpenStackConfig } from './config.ts';
import { parseOpenrc, readCloudsYaml } from './sources.ts';

const dir = mkdtempSync(join(tmpdir(), 'cm-os-config-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

const CLOUDS = write(
  'clouds.yaml',
  `clouds:
  lab:
    auth:
      auth_url: https://keystone.example.org:5000
      username: alice
      project_name: demo
      user_domain_name: Users
    region_name: RegionTwo
    interface: internalURL
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example.org/identity/v3/
      application_credential_id: abc123
      application_credential_secret: S3cr3t-app
  v2:
    auth: {auth_url: 'https://old.example.org:5000/v2.0', username: a, project_name: p}
`,
);
write('secure.yaml', 'clouds:\n  lab:\n    auth:\n      password: "Pa55-from-secure"\n');

describe('clouds.yaml and secure.yaml', () => {
  test('secure.yaml is merged over clouds.yaml, key by key', async () => {
    const clouds = await readCloudsYaml(CLOUDS, join(dir, 'secure.yaml'));
    assert.equal(clouds['lab']?.auth?.['password'], 'Pa55-from-secure');
    assert.equal(clouds['lab']?.auth?.['username'], 'alice');
    assert.equal(clouds['lab']?.region_name, 'RegionTwo');
  });

  test('a cloud referencing the file resolves with the secure.yaml beside it, the secret read only when asked', async () => {
    const s = await resolveOpenStackConfig('mylab', { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'lab' } }, dir, {});
    assert.equal(s.auth.authUrl, 'https://keystone.example.org:5000/v3');
    assert.equal(s.auth.userDomainName, 'Users');
    assert.equal(s.auth.projectDomainName, 'Default');
    assert.equal(s.region, 'RegionTwo');
    assert.equal(s.interface, 'internal');
    assert.equal(s.secret(), 'Pa55-from-secure');
    assert.ok(!JSON.stringify(s).includes('Pa55'), 'the settings object holds no password');
  });

  test('application credentials need no project and keep their own scope', async () => {
    const s = await resolveOpenStackConfig('ac', { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'appcred' } }, dir, {});
    assert.equal(s.auth.type, 'v3applicationcredential');
    assert.equal(s.auth.authUrl, 'https://keystone.example.org/identity/v3');
    assert.equal(s.secret(), 'S3cr3t-app');
  });

  test('credentials in cloudmesh.yaml override the file, as env: references', async () => {
    const config = { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'lab' }, credentials: { password: 'env:LAB_PW' } };
    const s = await resolveOpenStackConfig('mylab', config, dir, { LAB_PW: 'from-env' });
    assert.equal(s.secret(), 'from-env');
    const unset = await resolveOpenStackConfig('mylab', config, dir, {});
    assert.throws(() => unset.secret(), /environment variable LAB_PW is not set/);
  });

  test('bad entries are refused with the cloud named, never the password', async () => {
    const noUrl = write('nourl.yaml', 'clouds:\n  x:\n    auth: {username: u, password: "Hunter2-secret", project_name: p}\n');
    await assert.rejects(resolveOpenStackConfig('x', { kind: 'openstack', settings: { clouds_yaml: noUrl } }, dir, {}), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /cloud "x": no auth_url/);
      assert.ok(!e.message.includes('Hunter2'));
      return true;
    });
    await assert.rejects(resolveOpenStackConfig('old', { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'v2' } }, dir, {}), /Keystone v2\.0, which is gone/);
    await assert.rejects(resolveOpenStackConfig('y', { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'labb' } }, dir, {}), /has no cloud "labb" \(did you mean "lab"\?\)/);
    const broken = write('broken.yaml', 'clouds:\n  z:\n    auth: {password: "Hunter2-secret"\n');
    await assert.rejects(readCloudsYaml(broken), (e: Error) => e instanceof UserError && /not valid YAML/.test(e.message) && !e.message.includes('Hunter2'));
    await assert.rejects(resolveOpenStackConfig('m', { kind: 'openstack', settings: { clouds_yaml: CLOUDS, cloud: 'lab', nova_microversion: '2.1' } }, dir, {}), /2\.37 or later/);
  });

  test('auth_url: bare host gets /v3, garbage and userinfo are refused', () => {
    assert.equal(checkAuthUrl('c', 'http://127.0.0.1:5100'), 'http://127.0.0.1:5100/v3');
    assert.equal(checkAuthUrl('c', 'http://127.0.0.1:5100/v3/'), 'http://127.0.0.1:5100/v3');
    assert.throws(() => checkAuthUrl('c', 'keystone:5000'), /must be http or https|not a URL/);
    assert.throws(() => checkAuthUrl('c', 'not a url'), /not a URL/);
    assert.throws(() => checkAuthUrl('c', 'https://u:pw@k.example.org/v3'), /must not carry a user or password/);
  });
});

describe('openrc', () => {
  test('export lines with quotes, several assignments per line and comments', () => {
    const { entry, dynamic } = parseOpenrc(`#!/bin/bash
export OS_AUTH_URL=https://kvm.tacc.chameleoncloud.org:5000/v3
export OS_USERNAME="alice" OS_PROJECT_NAME='CH-12345'   # the project
export OS_USER_DOMAIN_NAME=Default
export OS_REGION_NAME="KVM@TACC"
export OS_INTERFACE=publicURL
export OS_PASSWORD='it''s $ecret'
unset OS_TENANT_ID
`);
    assert.deepEqual(dynamic, []);
    assert.equal(entry.auth?.['auth_url'], 'https://kvm.tacc.chameleoncloud.org:5000/v3');
    assert.equal(entry.auth?.['username'], 'alice');
    assert.equal(entry.auth?.['project_name'], 'CH-12345');
    assert.equal(entry.auth?.['password'], 'its $ecret');
    assert.equal(entry.region_name, 'KVM@TACC');
    assert.equal(entry.interface, 'public');
  });

  test('a password the shell would ask for is not a value: it is reported as dynamic and left out', () => {
    const { entry, dynamic } = parseOpenrc(`echo "Please enter your OpenStack Password: "
read -sr OS_PASSWORD_INPUT
export OS_PASSWORD=$OS_PASSWORD_INPUT
export OS_AUTH_URL=http://k:5000/v3
`);
    assert.deepEqual(dynamic, ['OS_PASSWORD']);
    assert.equal(entry.auth?.['password'], undefined);
    assert.equal(entry.auth?.['auth_url'], 'http://k:5000/v3');
  });

  test('a registered openrc resolves; a missing password becomes a clear "not configured"', async () => {
    const rc = write('lab-openrc.sh', 'export OS_AUTH_URL=http://k:5000/v3 OS_USERNAME=u OS_PROJECT_NAME=p\nexport OS_PASSWORD=$X\n');
    const s = await resolveOpenStackConfig('lab', { kind: 'openstack', settings: { openrc: rc } }, dir, {});
    assert.equal(s.auth.username, 'u');
    assert.throws(() => s.secret(), /cloud "lab": no password is configured/);
  });
});
