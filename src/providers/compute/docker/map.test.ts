/** The pure Docker mappings: container names, states, --port/--memory/--cpus/--env values, log frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../../core/errors.ts';
import { containerNameFor, demux, displayName, parseCpus, parseEnv, parseMemory, parsePort, vmState } from './map.ts';

test('names Docker accepts are kept; others are mapped with a hash and shown by their label', () => {
  assert.equal(containerNameFor('web-01.a_b'), 'web-01.a_b');
  const odd = `it's; $(rm -rf /) x`;
  const mapped = containerNameFor(odd);
  assert.match(mapped, /^it-s-rm--rf-x-[0-9a-f]{10}$/);
  assert.notEqual(containerNameFor(`${odd}!`), mapped, 'two names never share a container name');
  assert.equal(displayName({ name: mapped, labels: { 'cm.name': odd } }), odd);
  assert.equal(displayName({ name: 'renamed', labels: { 'cm.name': odd } }), 'renamed', 'after a rename the container name wins');
  assert.match(containerNameFor('---'), /^cm-[0-9a-f]{10}$/);
});

test('engine states map to cloudmesh states', () => {
  assert.deepEqual(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'what'].map(vmState), ['BUILDING', 'ACTIVE', 'STOPPED', 'REBOOTING', 'STOPPED', 'ERROR', 'UNKNOWN']);
});

test('--port defaults to 127.0.0.1 and checks the numbers', () => {
  assert.deepEqual(parsePort('8080:80'), { hostIp: '127.0.0.1', hostPort: '8080', containerPort: '80/tcp' });
  assert.deepEqual(parsePort('0.0.0.0:53:53/udp'), { hostIp: '0.0.0.0', hostPort: '53', containerPort: '53/udp' });
  assert.deepEqual(parsePort('127.0.0.1:0:80').hostPort, '0');
  for (const bad of ['80', 'a:b', '1:70000', '127.0.0.1:8080:0', '8080:80/icmp']) assert.throws(() => parsePort(bad), UserError, bad);
});

test('--memory and --cpus', () => {
  assert.equal(parseMemory('64m'), 64 * 1024 * 1024);
  assert.equal(parseMemory('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseMemory('8MiB'), 8 * 1024 * 1024);
  assert.throws(() => parseMemory('1m'), /below Docker's minimum/);
  assert.throws(() => parseMemory('lots'), UserError);
  assert.equal(parseCpus(0.5), 5e8);
  assert.throws(() => parseCpus(0), UserError);
});

test('--env needs NAME=VALUE with a valid name; the value is kept as given', () => {
  assert.deepEqual(parseEnv(['A=1', 'B=x=y; $(z)']), ['A=1', 'B=x=y; $(z)']);
  for (const bad of ['A', '1A=2', 'A-B=1']) assert.throws(() => parseEnv([bad]), UserError, bad);
});

test('multiplexed log frames are joined in order; a raw (TTY) stream passes through', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };
  assert.equal(demux(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')])), 'out\nerr\nmore');
  assert.equal(demux(Buffer.from('plain tty text\n')), 'plain tty text\n');
});
