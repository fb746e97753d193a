/**
 * Pure parts of the transports: the one quoting function (checked against a real /bin/sh), known_hosts
 * matching (plain, [host]:port, wildcards, negation, hashed, revoked, changed), jump-host specs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addKnownHost, checkHostKey, fingerprint, keyType, knownHostName } from './known-hosts.ts';
import { remoteCommand, shellLine, shellQuote } from './quote.ts';
import { parseJump } from './ssh-connect.ts';

/** A fake ed25519 public key blob: string "ssh-ed25519" then 32 key bytes. */
function blob(seed = randomBytes(32)): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const len = (n: number) => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(type.length), type, len(seed.length), seed]);
}

describe('shellQuote', () => {
  const hostile = ["it's", '$(touch x)', '`id`', 'a;b', 'two\nlines', '', ' ', '*', '~', '=x', '-n', '\\', '"', "'", '$HOME', 'ok/plain-1.2:3'];
  test('every word reaches a real POSIX shell unchanged', () => {
    const result = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${shellLine(hostile)}`], { encoding: 'utf8' });
    assert.deepEqual(result.stdout.split('\0').slice(0, -1), hostile);
  });
  test('plain words stay readable, everything else is single-quoted', () => {
    assert.equal(shellQuote('squeue'), 'squeue');
    assert.equal(shellQuote('--jobs=1,2'), '--jobs=1,2');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('~'), `'~'`);
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });
  test('remoteCommand: env through env(1) after --, cwd through cd &&', () => {
    assert.equal(remoteCommand(['sbatch', 'x y'], { env: { A: 'a b' }, cwd: '/w d' }), `cd '/w d' && env -- 'A=a b' sbatch 'x y'`);
    const run = spawnSync('/bin/sh', ['-c', remoteCommand(['sh', '-c', 'printf %s "$A"'], { env: { A: "$(x) 'q'" } })], { encoding: 'utf8' });
    assert.equal(run.stdout, "$(x) 'q'");
    assert.throws(() => remoteCommand(['x'], { env: { 'A;B': '1' } }), /invalid environment variable name/);
    assert.throws(() => remoteCommand([]), /empty argv/);
  });
});

describe('known_hosts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-kh-'));
  const key = blob();
  const other = blob();
  const line = (hosts: string, k = key) => `${hosts} ${keyType(k)} ${k.toString('base64')}`;
  const check = async (text: string, host = 'login1', port = 22, k = key) => {
    const file = join(dir, `kh-${randomBytes(3).toString('hex')}`);
    writeFileSync(file, text);
    return (await checkHostKey([file], host, port, k)).kind;
  };
  test('names, patterns and ports', async () => {
    assert.equal(knownHostName('h', 22), 'h');
    assert.equal(knownHostName('h', 2222), '[h]:2222');
    assert.equal(await check(line('login1,10.0.0.1')), 'known');
    assert.equal(await check(line('[login1]:2222'), 'login1', 2222), 'known');
    assert.equal(await check(line('login1'), 'login1', 2222), 'unknown', 'a port-22 entry does not cover another port');
    assert.equal(await check(line('*.example.org'), 'a.example.org'), 'known');
    assert.equal(await check(line('*.example.org,!bad.example.org'), 'bad.example.org'), 'unknown');
    assert.equal(await check(`# comment\n\ngarbage\n${line('LOGIN1')}`), 'known');
  });
  test('hashed entries', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[login1]:2222').digest();
    assert.equal(await check(line(`|1|${salt.toString('base64')}|${hash.toString('base64')}`), 'login1', 2222), 'known');
    assert.equal(await check(line(`|1|${salt.toString('base64')}|${hash.toString('base64')}`), 'login2', 2222), 'unknown');
  });
  test('a different key of the same type is CHANGED; of another type, unknown; revoked wins', async () => {
    assert.equal(await check(line('login1', other)), 'changed');
    const rsa = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), randomBytes(8)]);
    assert.equal(await check(line('login1', rsa)), 'unknown');
    assert.equal(await check(`${line('login1')}\n${line('login1', other)}`), 'known', 'any listed key is accepted, as ssh does');
    assert.equal(await check(`@revoked ${line('*')}\n${line('login1')}`), 'revoked');
    assert.equal(await check(`@cert-authority ${line('*')}`), 'unknown');
  });
  test('an accepted key is appended hashed, after a last line without newline', async () => {
    const file = join(dir, 'append');
    writeFileSync(file, line('other', other));
    await addKnownHost(file, 'login1', 2222, key);
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length, 3);
    assert.doesNotMatch(text, /login1/);
    assert.equal((await checkHostKey([file], 'login1', 2222, key)).kind, 'known');
    assert.match(fingerprint(key), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  test('jump host specs', () => {
    assert.deepEqual(parseJump('alice@gw:2200', { user: 'bob' }), { user: 'alice', host: 'gw', port: 2200 });
    assert.deepEqual(parseJump('gw', { user: 'bob' }), { user: 'bob', host: 'gw', port: 22 });
    assert.deepEqual(parseJump('[::1]:22', { user: 'bob' }), { user: 'bob', host: '::1', port: 22 });
    assert.throws(() => parseJump('', { user: 'b' }), /invalid ProxyJump/);
    rmSync(dir, { recursive: true, force: true });
  });
});
