// The shell and scripts run the same commands as argv, share state with them, expand $vars, stop at the
// first failing line with its number; the interactive shell completes with Tab and keeps history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CM, cm, cmJson, eventually, tempHome } from '../helpers.ts';

test('a default set on the command line is seen by the shell and the other way round', async () => {
  const home = tempHome();
  await cm(home, ['default', 'cluster=local']);
  const shell = await cm(home, [], { input: 'default cluster\ndefault image=from-shell\nquit\n' });
  assert.equal(shell.code, 0);
  assert.match(shell.stdout, /value\s+local/);
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'image'])).value, 'from-shell');
});

test('scripts: comments, $var expansion, exec, and a failing line stops the run with its number', async () => {
  const home = tempHome();
  const inner = join(home, 'inner.cm');
  writeFileSync(inner, 'var inner=ran\n');
  const script = join(home, 'setup.cm');
  writeFileSync(script, [
    '# set things up',
    'var greeting="hello there"',
    'var copy=$greeting',
    `exec ${inner}`,
    '',
    'var missing-one',
    'var after=should-not-run',
  ].join('\n'));
  const result = await cm(home, [script]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`${script.replace(/[.]/g, '\\.')}:6: line failed \\(exit 1\\): var missing-one`));
  const vars = await cmJson<{ name: string; value: string }[]>(home, ['var', 'list']);
  assert.deepEqual(Object.fromEntries(vars.map((v) => [v.name, v.value])), { copy: 'hello there', greeting: 'hello there', inner: 'ran' });
  const keepGoing = await cm(home, [script, '--keep-going']);
  assert.equal(keepGoing.code, 1, 'keep-going still reports the failure');
  assert.equal((await cmJson<{ value: string }>(home, ['var', 'after'])).value, 'should-not-run');
});

test('a usage error in a script line stops it with exit 2', async () => {
  const home = tempHome();
  const script = join(home, 'bad.cm');
  writeFileSync(script, 'var a=1\nvar lst --bogus\nvar b=2\n');
  const result = await cm(home, [script]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /bad\.cm:2: line failed \(exit 2\)/);
  assert.equal((await cm(home, ['var', 'b'])).code, 1, 'line 3 did not run');
});

test('the shell on a non-terminal keeps going after a failing line', async () => {
  const home = tempHome();
  const result = await cm(home, ['shell'], { input: 'var nope\nvar ok=1\nhelp var\n' });
  assert.match(result.stderr, /no variable "nope"/);
  assert.match(result.stdout, /Usage: cm var ASSIGNMENT/);
  assert.equal((await cmJson<{ value: string }>(home, ['var', 'ok'])).value, '1');
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

test('interactive shell in a real terminal: Tab completion, help, history', { skip: hasTmux ? false : 'tmux is not installed' }, async () => {
  const home = tempHome();
  await cm(home, ['var', 'alpha=1']);
  const session = `cmtest${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', 'env', `CLOUDMESH_HOME=${home}`, 'NO_COLOR=1', process.execPath, CM);
  try {
    await eventually(async () => (screen().includes('cm>') ? true : undefined), 10_000, 'the prompt');
    tmux('send-keys', '-t', session, 'hpc ru', 'Tab');
    await eventually(async () => (screen().includes('cm> hpc run') ? true : undefined), 5_000, 'completion of "hpc ru"');
    tmux('send-keys', '-t', session, 'C-u');
    tmux('send-keys', '-t', session, 'var delete al', 'Tab');
    await eventually(async () => (screen().includes('cm> var delete alpha') ? true : undefined), 5_000, 'completion of a variable name');
    tmux('send-keys', '-t', session, 'C-u');
    tmux('send-keys', '-t', session, 'var list', 'Enter');
    await eventually(async () => (/alpha\s+1/.test(screen()) ? true : undefined), 5_000, 'var list output');
    // Ctrl-C stops a running command and gives the prompt back; the shell stays open.
    tmux('send-keys', '-t', session, 'hpc run --name long sleep 30', 'Enter');
    await eventually(async () => (/dir\s+\S*jobs\/1/.test(screen()) ? true : undefined), 5_000, 'the job to be submitted');
    tmux('send-keys', '-t', session, 'hpc output 1 --follow', 'Enter');
    await new Promise((r) => setTimeout(r, 800));
    tmux('send-keys', '-t', session, 'C-c');
    tmux('send-keys', '-t', session, 'var list', 'Enter');
    await eventually(async () => ((screen().match(/alpha\s+1/g) ?? []).length >= 2 ? true : undefined), 5_000, 'the prompt after Ctrl-C');
    tmux('send-keys', '-t', session, 'hpc kill 1', 'Enter');
    tmux('send-keys', '-t', session, 'quit', 'Enter');
    await eventually(async () => (existsSync(join(home, 'history')) && readFileSync(join(home, 'history'), 'utf8').includes('var list') ? true : undefined), 5_000, 'history');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
  }
  const history = readFileSync(join(home, 'history'), 'utf8');
  assert.match(history, /^var list\n/m);
});
