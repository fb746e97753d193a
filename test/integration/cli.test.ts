// The `cm` binary as a user runs it: exit codes, one-line errors, output formats, defaults and vars
// shared between faces, config and database errors that change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CM, cm, cmJson, tempHome } from '../helpers.ts';

test('--version prints the package version and exits 0', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const result = await cm(tempHome(), ['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `${pkg.version}\n`);
});

test('unknown commands and options exit 2 with a one-line "did you mean"', async () => {
  const home = tempHome();
  const noun = await cm(home, ['stauts']);
  assert.equal(noun.code, 2);
  assert.match(noun.stderr, /^error: unknown command "stauts" \(did you mean "status"\?\)\n/);
  const verb = await cm(home, ['hpc', 'stat']);
  assert.equal(verb.code, 2);
  assert.match(verb.stderr, /did you mean "hpc status"/);
  const option = await cm(home, ['hpc', 'queue', '--clustr', 'local']);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /unknown option "--clustr".*did you mean "--cluster"/);
  assert.doesNotMatch(option.stderr, /\n\s+at /, 'no stack trace without --debug');
});

test('a user error exits 1 with one line; --debug adds the stack', async () => {
  const home = tempHome();
  const plain = await cm(home, ['var', 'missing']);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^error: no variable "missing"\nhint: /);
  const debug = await cm(home, ['var', 'missing', '--debug']);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /NotFoundError: no variable "missing"\n\s+at /);
});

test('defaults: set, show, per-cloud override with general fallback, list, delete', async () => {
  const home = tempHome();
  assert.equal((await cm(home, ['default', 'image=general-img'])).code, 0);
  assert.equal((await cm(home, ['default', 'image=chi-img', '--cloud', 'chi'])).code, 0);
  assert.equal((await cm(home, ['default', 'flavor=m1.small'])).code, 0);
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'image', '--cloud', 'chi'])).value, 'chi-img');
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'flavor', '--cloud', 'chi'])).value, 'm1.small');
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'image'])).value, 'general-img');
  const list = await cmJson<{ scope: string; key: string }[]>(home, ['default', 'list']);
  assert.deepEqual(list.map((r) => `${r.scope}/${r.key}`), ['chi/image', 'general/flavor', 'general/image']);
  assert.equal((await cm(home, ['default', 'delete', 'image', '--cloud', 'chi'])).code, 0);
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'image', '--cloud', 'chi'])).value, 'general-img');
  const missing = await cm(home, ['default', 'delete', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no default "nope"/);
  const bad = await cm(home, ['default', 'bad key=1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid default name/);
});

test('output formats: json is stable, csv is RFC 4180, yaml and table render', async () => {
  const home = tempHome();
  await cm(home, ['var', 'plain=x']);
  await cm(home, ['var', 'tricky=a,b "quoted"\nline2']);
  const json = await cmJson<{ name: string; value: string; source: string; seen_at: string }[]>(home, ['var', 'list']);
  assert.deepEqual(Object.keys(json[0]!), ['name', 'value', 'source', 'seen_at']);
  assert.equal(json.find((r) => r.name === 'tricky')!.value, 'a,b "quoted"\nline2');
  const csv = await cm(home, ['var', 'list', '--output', 'csv']);
  assert.equal(csv.stdout, 'name,value,source\r\nplain,x,cli\r\ntricky,"a,b ""quoted""\nline2",cli\r\n');
  const yaml = await cm(home, ['var', 'list', '-o', 'yaml']);
  assert.match(yaml.stdout, /- name: plain\n\s+value: x/);
  const table = await cm(home, ['var', 'list']);
  assert.match(table.stdout, /^name\s+value\s+source\n/);
  assert.doesNotMatch(table.stdout, /\x1b\[/, 'no colour codes when not a terminal');
  const badFormat = await cm(home, ['var', 'list', '--output', 'xml']);
  assert.equal(badFormat.code, 2);
});

test('a malformed config is reported with its line and never overwritten', async () => {
  const home = tempHome();
  await cm(home, ['config', 'check']);
  const path = join(home, 'cloudmesh.yaml');
  const broken = 'version: 1\nclusters:\n  hpc1:\n    schduler: slurm\n';
  writeFileSync(path, broken, { mode: 0o600 });
  const result = await cm(home, ['var', 'list']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cloudmesh\.yaml:4: clusters\.hpc1\.schduler: unknown key \(did you mean "scheduler"\?\)/);
  assert.equal(readFileSync(path, 'utf8'), broken);
  writeFileSync(path, 'version: 1\nclusters: [unclosed\n', { mode: 0o600 });
  const syntax = await cm(home, ['config', 'check']);
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /cloudmesh\.yaml:\d+/);
});

test('config is created 0600, a readable one warns with the fix, and secrets are masked', async () => {
  const home = tempHome();
  assert.equal((await cm(home, ['config', 'path'])).stdout.trim(), join(home, 'cloudmesh.yaml'));
  assert.equal((await cm(home, ['config', 'check'])).code, 0);
  const path = join(home, 'cloudmesh.yaml');
  assert.equal(readFileSync(path).length > 0, true);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  writeFileSync(path, [
    'version: 1',
    'clouds:',
    '  chi:',
    '    kind: openstack',
    '    credentials:',
    '      OS_PASSWORD: hunter2-literal',
    '      OS_TOKEN: env:MY_TOKEN',
    'database:',
    '  backend: sqlite',
    '',
  ].join('\n'));
  chmodSync(path, 0o644);
  const shown = await cm(home, ['config'], { env: { MY_TOKEN: 'tok-from-env' } });
  assert.equal(shown.code, 0);
  assert.doesNotMatch(shown.stdout + shown.stderr, /hunter2-literal|tok-from-env/);
  assert.match(shown.stdout, /OS_PASSWORD: "?\*{8}"?/);
  assert.match(shown.stdout, /OS_TOKEN: env:MY_TOKEN/);
  assert.match(shown.stderr, /chmod 600/);
});

test('a database file that is not SQLite is an error and stays untouched', async () => {
  const home = tempHome();
  await cm(home, ['config', 'path']);
  const db = join(home, 'cloudmesh.db');
  const junk = 'this is not a database\n'.repeat(200);
  writeFileSync(db, junk);
  const result = await cm(home, ['var', 'list']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /is not a SQLite database/);
  assert.equal(readFileSync(db, 'utf8'), junk);
});

test('db info shows backend, path, schema version and row counts', async () => {
  const home = tempHome();
  await cm(home, ['var', 'a=1']);
  const info = await cmJson<Record<string, unknown>>(home, ['db', 'info']);
  assert.equal(info.backend, 'sqlite');
  assert.equal(info.location, join(home, 'cloudmesh.db'));
  assert.equal(info.schema_version, info.latest_schema_version);
  assert.equal(info.rows_vars, 1);
});

test('the audit log records state changes from every face with secrets masked', async () => {
  const home = tempHome();
  await cm(home, ['var', 'password=s3cret-value']);
  await cm(home, ['default', 'cluster=local']);
  await cm(home, ['var', 'list']);
  await cm(home, [], { input: 'var fromshell=1\n' });
  const log = readFileSync(join(home, 'audit.log'), 'utf8');
  assert.doesNotMatch(log, /s3cret-value/);
  const rows = await cmJson<{ command: string; face: string; args: string; result: string }[]>(home, ['audit', 'list']);
  assert.deepEqual(rows.map((r) => `${r.face}:${r.command}`), ['shell:var', 'cli:default', 'cli:var']);
  assert.match(rows[2]!.args, /password=\*{8}/);
  assert.equal(log.trim().split('\n').length, 3, 'read-only commands are not audited');
});

test('completion scripts and the completion protocol come from the same specs', async () => {
  const home = tempHome();
  const bash = await cm(home, ['completion', 'bash']);
  assert.match(bash.stdout, /complete -o default -F _cm_complete cm/);
  const zsh = await cm(home, ['completion', 'zsh']);
  assert.match(zsh.stdout, /compdef _cm cm/);
  assert.equal((await cm(home, ['__complete', '--', 'hpc', 'ru'])).stdout, 'run\n');
  await cm(home, ['var', 'alpha=1']);
  assert.equal((await cm(home, ['__complete', '--', 'var', 'delete', 'al'])).stdout, 'alpha\n');
  assert.equal((await cm(home, ['__complete', '--', 'hpc', 'run', '--cluster', ''])).stdout, 'local\n');
});

test('help is generated for everything and for one command', async () => {
  const home = tempHome();
  const all = await cm(home, ['help']);
  assert.equal(all.code, 0);
  for (const command of ['hpc run', 'default list', 'var delete', 'config check', 'db info', 'audit list', 'status']) {
    assert.match(all.stdout, new RegExp(`\\n  ${command}`));
  }
  const one = await cm(home, ['hpc', 'run', '--help']);
  assert.match(one.stdout, /^Usage: cm hpc run COMMAND\.\.\. \[OPTIONS\]/);
  assert.match(one.stdout, /--time TIME/);
  assert.equal(existsSync(join(home, 'cloudmesh.db')), false, 'help opens no database');
});

test('a literal secret from the config is masked wherever it would be printed', async () => {
  const home = tempHome();
  await cm(home, ['config', 'check']);
  writeFileSync(join(home, 'cloudmesh.yaml'), 'version: 1\nclouds:\n  chi:\n    kind: openstack\n    credentials:\n      OS_PASSWORD: hunter2-literal\n', { mode: 0o600 });
  await cm(home, ['var', 'note=the password is hunter2-literal']);
  const shown = await cm(home, ['var', 'list', '-o', 'json']);
  assert.doesNotMatch(shown.stdout, /hunter2-literal/);
  assert.match(shown.stdout, /the password is \*{8}/);
  const error = await cm(home, ['var', 'hunter2-literal']);
  assert.equal(error.code, 1);
  assert.doesNotMatch(error.stderr, /hunter2-literal/);
  assert.doesNotMatch(readFileSync(join(home, 'audit.log'), 'utf8'), /hunter2-literal/);
});

test('bash completion works in a real bash through the printed script', { skip: spawnSync('bash', ['--version']).status === 0 ? false : 'no bash' }, async () => {
  const home = tempHome();
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'cm'), `#!/bin/sh\nexec "${process.execPath}" "${CM}" "$@"\n`, { mode: 0o755 });
  await cm(home, ['var', 'alpha=1']);
  const script = (await cm(home, ['completion', 'bash'])).stdout;
  const run = (words: string[]) =>
    spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cm_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CLOUDMESH_HOME: home },
      encoding: 'utf8',
    }).stdout;
  assert.equal(run(['cm', 'hpc', 'ru']), 'run\n');
  assert.equal(run(['cm', 'var', 'delete', 'a']), 'alpha\n');
  assert.equal(run(['cm', '--output', 'y']), 'yaml\n');
});

test('started by an older system Node, cm re-runs itself on the Node that npm installed', { skip: olderNode() ? false : 'no Node older than 22.12 on this machine' }, async () => {
  const result = spawnSync(olderNode()!, [CM, 'version', '--output', 'json'], { env: { ...process.env, CLOUDMESH_HOME: tempHome() }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(JSON.parse(result.stdout).node, /^(2[4-9]|[3-9]\d)\./);
});

function olderNode(): string | undefined {
  const probe = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const [major, minor] = probe.stdout.trim().split('.').map(Number);
  return major! < 22 || (major === 22 && minor! < 12) ? '/usr/bin/node' : undefined;
}

test('cm exec FILE runs any command group, like cm FILE.cm', async () => {
  const home = tempHome();
  const file = join(home, 'setup.txt');
  writeFileSync(file, '# not a .cm name, so only exec runs it\nvar greeting=hello\ndefault cloud=nowhere\n');
  const result = await cm(home, ['exec', file]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await cmJson<{ value: string }>(home, ['var', 'greeting'])).value, 'hello');
  assert.equal((await cmJson<{ value: string }>(home, ['default', 'cloud'])).value, 'nowhere');
});

test('a reader that stops early (cm … | head) ends cm quietly with exit 0', async () => {
  const home = tempHome();
  const file = join(home, 'many.cm');
  writeFileSync(file, Array.from({ length: 3000 }, (_, i) => `var v${i}=${'x'.repeat(60)}`).join('\n') + '\n');
  assert.equal((await cm(home, [file])).code, 0);
  const result = spawnSync('sh', ['-c', `"${process.execPath}" "${CM}" var list | head -1; exit \${PIPESTATUS:-0}`], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8' });
  assert.match(result.stdout, /^name +value/);
  assert.doesNotMatch(result.stderr, /EPIPE|Error/);
  const direct = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CM}" var list | head -1 >/dev/null`], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
});

test('output larger than a pipe holds reaches a slow reader whole, also through a non-blocking pipe', async () => {
  // cm writes to pipes with synchronous writes (cli/stdio.ts): a full pipe must make it wait, and a pipe
  // another program made non-blocking (EAGAIN instead of waiting) must not lose or reorder anything.
  const home = tempHome();
  const file = join(home, 'many.cm');
  writeFileSync(file, Array.from({ length: 3000 }, (_, i) => `var v${i}=${'y'.repeat(60)}`).join('\n') + '\n');
  assert.equal((await cm(home, [file])).code, 0);
  const expected = await cm(home, ['var', 'list']);
  assert.ok(expected.stdout.length > 200_000, 'more than three pipe buffers of output');
  const reader = [
    'import os, subprocess, sys, time',
    'r, w = os.pipe()',
    'os.set_blocking(w, sys.argv[3] == "blocking")',
    'p = subprocess.Popen([sys.argv[1], sys.argv[2], "var", "list"], stdout=w)',
    'os.close(w)',
    'time.sleep(1)',
    'chunks = []',
    'while True:',
    '    data = os.read(r, 65536)',
    '    if not data: break',
    '    chunks.append(data)',
    'sys.stdout.buffer.write(b"".join(chunks))',
    'sys.exit(p.wait())',
  ].join('\n');
  for (const mode of ['blocking', 'nonblocking']) {
    const result = spawnSync('/usr/bin/python3', ['-c', reader, process.execPath, CM, mode], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.equal(result.status, 0, `${mode}: ${result.stderr}`);
    assert.equal(result.stdout, expected.stdout, `${mode}: the same bytes in the same order`);
  }
});
