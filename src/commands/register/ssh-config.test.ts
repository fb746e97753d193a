/** ssh_config resolution as OpenSSH does it: first value wins, Host * blocks, negation, Match skipped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concreteAliases, parseSshConfig, settingsFor } from './ssh-config.ts';

test('aliases and their effective settings', () => {
  const config = parseSshConfig([
    'User early',
    'Host hpc1 hpc2',
    '  HostName login.example.org',
    '  Port=2200',
    'Host hpc2',
    '  HostName ignored.example.org',
    '  IdentityFile "~/.ssh/id hpc"',
    'Match host hpc1',
    '  User fromMatch',
    'Host *.org !bad.org',
    '  ProxyJump gw',
    'Host *',
    '  User late',
    '  IdentityFile ~/.ssh/id_ed25519',
    'Include other.conf',
  ].join('\n'));
  assert.deepEqual(concreteAliases(config), ['hpc1', 'hpc2']);
  const hpc2 = settingsFor(config, 'hpc2');
  assert.equal(hpc2.get('hostname'), 'login.example.org');
  assert.equal(hpc2.get('port'), '2200');
  assert.equal(hpc2.get('identityfile'), '~/.ssh/id hpc');
  assert.equal(hpc2.get('user'), 'early');
  assert.equal(settingsFor(config, 'hpc1').get('identityfile'), '~/.ssh/id_ed25519');
  assert.equal(settingsFor(config, 'x.org').get('proxyjump'), 'gw');
  assert.equal(settingsFor(config, 'bad.org').get('proxyjump'), undefined);
  assert.deepEqual(config.ignored, ['Match blocks', 'Include other.conf']);
});
