import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { collapseHostlist, expandHostlist } from '../../core/hostlist.ts';
import { apiKeyHeaders, parseSignature } from './auth.ts';
import { clusterNodes, duration, walltimeMinutes } from './map.ts';

test('walltime accepts minutes and m/h/d/w units, defaults to two days, and refuses the rest', () => {
  assert.deepEqual(['90', '90m', '2h', '3d', '1w', undefined].map(walltimeMinutes), [90, 90, 120, 4320, 10080, 2880]);
  for (const bad of ['2x', '-1', '1.5h', '0']) assert.throws(() => walltimeMinutes(bad), /walltime/);
});

test('durations print as ddd-hh:mm', () => {
  assert.equal(duration(((2 * 24 + 3) * 60 + 7) * 60_000), '002-03:07');
});

test('hostlists collapse to ranges and expand back', () => {
  const names = ['vm-vc2-3', 'vm-vc2-0', 'vm-vc2-1', 'vm-vc2-7', 'web-001', 'web-002', 'fe'];
  const collapsed = collapseHostlist(names);
  assert.equal(collapsed, 'vm-vc2-[0-1,3,7],web-[001-002],fe');
  assert.deepEqual(collapsed.split(/,(?![^[]*\])/).flatMap((part) => expandHostlist(part)).sort(), [...names].sort());
});

test('API-key requests carry an HMAC-SHA256 HTTP Signature over the timestamp and nonce headers', () => {
  const headers = apiKeyHeaders('k1', 's3cret', new Date(1_700_000_000_000), 'abcdefghij');
  assert.equal(headers.timestamp, '1700000000');
  const fields = parseSignature(headers.Authorization);
  assert.deepEqual({ ...fields, signature: undefined }, { keyId: 'k1', algorithm: 'hmac-sha256', headers: 'timestamp nonce', signature: undefined });
  const expected = createHmac('sha256', 's3cret').update('timestamp: 1700000000\nnonce: abcdefghij').digest('base64');
  assert.equal(fields?.signature, expected);
  assert.notEqual(apiKeyHeaders('k1', 's3cret').nonce, apiKeyHeaders('k1', 's3cret').nonce);
});

test('a node in a computeset that is not running shows the set with its state, and its allocation', () => {
  const [frontend, compute] = clusterNodes({
    name: 'vc2',
    frontend: { name: 'vc2', pub_ip: '1.2.3.4', pub_mac: 'b', interface: [{ mac: 'a' }, { mac: 'b' }], frontend_state: 'running' },
    computes: [{ name: 'vm-vc2-0', active_computeset: 7, active_computeset_state: 'submitted', compute_state: 'ready' }],
  }, new Map([['7', 'abc123']]));
  assert.deepEqual([frontend?.ip, frontend?.mac, frontend?.admin_state], ['1.2.3.4', 'b a', 'running']);
  assert.deepEqual([compute?.computeset, compute?.allocation, compute?.admin_state], ['7(submitted)', 'abc123', 'ready']);
});
