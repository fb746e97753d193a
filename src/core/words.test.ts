import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteWord, tokenize } from './words.ts';
import { expandHostlist, expandNames, globMatch } from './hostlist.ts';
import { closest } from './suggest.ts';

test('tokenize splits like a POSIX shell and keeps metacharacters literal', () => {
  assert.deepEqual(tokenize(`hpc run echo "a b" 'c;d' $(id) \`x\` e\\ f`), ['hpc', 'run', 'echo', 'a b', 'c;d', '$(id)', '`x`', 'e f']);
  assert.deepEqual(tokenize('var x=1   # a comment'), ['var', 'x=1']);
  assert.deepEqual(tokenize('echo a#b'), ['echo', 'a#b']);
  assert.deepEqual(tokenize(`echo ""`), ['echo', '']);
});

test('tokenize expands $name and ${name} but not inside single quotes', () => {
  const vars: Record<string, string> = { image: 'ubuntu 24.04', n: '3' };
  const lookup = (name: string) => vars[name];
  assert.deepEqual(tokenize('vm boot --image $image --n ${n}', lookup), ['vm', 'boot', '--image', 'ubuntu 24.04', '--n', '3']);
  assert.deepEqual(tokenize(`echo '$image' "$image" \\$image $unknown`, lookup), ['echo', '$image', 'ubuntu 24.04', '$image', '$unknown']);
});

test('a value holding shell syntax expands to one literal word', () => {
  const lookup = () => '$(touch /tmp/x); rm -rf ~';
  assert.deepEqual(tokenize('echo $evil', lookup), ['echo', '$(touch /tmp/x); rm -rf ~']);
});

test('tokenize rejects an unterminated quote', () => {
  assert.throws(() => tokenize(`echo "abc`), /unterminated double quote/);
  assert.throws(() => tokenize(`echo 'abc`), /unterminated single quote/);
});

test('quoteWord round-trips through tokenize', () => {
  for (const word of ['plain', 'a b', "it's", '$(id)', 'x;y', 'new\nline', '', '"q"', 'back\\slash']) {
    assert.deepEqual(tokenize(`cmd ${quoteWord(word)}`), ['cmd', word]);
  }
});

test('hostlist expansion keeps padding and order', () => {
  assert.deepEqual(expandHostlist('vm-[001-003]'), ['vm-001', 'vm-002', 'vm-003']);
  assert.deepEqual(expandHostlist('n[1-2,7]x'), ['n1x', 'n2x', 'n7x']);
  assert.deepEqual(expandHostlist('r[1-2]c[1-2]'), ['r1c1', 'r1c2', 'r2c1', 'r2c2']);
  assert.deepEqual(expandNames(['a', 'b[1-2]', 'a']), ['a', 'b1', 'b2']);
  assert.throws(() => expandHostlist('vm-[3-1]'), /backwards/);
  assert.throws(() => expandHostlist('vm-[1-3'), /unclosed/);
  assert.throws(() => expandHostlist('vm-[1-100000]'), /more than/);
});

test('globMatch handles * and ? and treats other characters literally', () => {
  assert.ok(globMatch('web-*', 'web-001'));
  assert.ok(globMatch('web-00?', 'web-001'));
  assert.ok(!globMatch('web-*', 'db-001'));
  assert.ok(!globMatch('a.c', 'abc'));
  assert.ok(globMatch('a(b)', 'a(b)'));
});

test('closest suggests near misses only', () => {
  assert.equal(closest('stauts', ['status', 'start']), 'status');
  assert.equal(closest('xyz', ['status', 'start']), undefined);
});
