/**
 * Tests of the config loader: first-use creation, permission warning, FILE:LINE errors, defaults, and
 * the guarantee that a failed load leaves the file byte-for-byte as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { ConfigError } from '../core/errors.ts';
import { CONFIG_TEMPLATE, configPath, ensureConfig, loadConfig } from './load.ts';

function tempHome(): string {
  // A not-yet-existing subdirectory, so tests also cover creating the home itself.
  return `${fs.mkdtempSync(os.tmpdir() + '/cm-')}/home`;
}

/** Write `text` as the config (mode 0600) and return its path. */
function writeConfig(home: string, text: string): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = configPath(home);
  fs.writeFileSync(path, text, { mode: 0o600 });
  fs.chmodSync(path, 0o600);
  return path;
}

/** Load expecting failure; returns the ConfigError's message lines. */
async function loadError(home: string): Promise<string[]> {
  const error = await loadConfig(home, { USER: 'tester' }, () => {}).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
  assert.equal(error.hint, `edit ${configPath(home)}, then run: cm config check`);
  return error.message.split('\n');
}

test('first use creates a private home and a 0600 template that loads with defaults', async () => {
  const home = tempHome();
  const warnings: string[] = [];
  const config = await loadConfig(home, { USER: 'alice' }, (m) => warnings.push(m));
  const path = configPath(home);
  assert.equal(fs.statSync(path).mode & 0o777, 0o600);
  assert.equal(fs.statSync(home).mode & 0o777, 0o700);
  assert.equal(fs.readFileSync(path, 'utf8'), CONFIG_TEMPLATE);
  assert.deepEqual(fs.readdirSync(home).filter((f) => f !== '.cache'), ['cloudmesh.yaml'], 'no temp file left behind');
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    path,
    version: 1,
    profile: { user: 'alice' },
    clouds: {},
    clusters: { local: { scheduler: 'local', transport: 'local' } },
    database: { backend: 'sqlite' },
  });
});

test('ensureConfig never overwrites, and concurrent first runs create the file exactly once', async () => {
  const home = tempHome();
  const created = await Promise.all(Array.from({ length: 8 }, () => ensureConfig(home)));
  assert.equal(created.filter(Boolean).length, 1);
  assert.equal(fs.readFileSync(configPath(home), 'utf8'), CONFIG_TEMPLATE);
  assert.deepEqual(fs.readdirSync(home), ['cloudmesh.yaml']);

  const path = writeConfig(home, 'version: 1 # mine\n');
  assert.equal(await ensureConfig(home), false);
  assert.equal(fs.readFileSync(path, 'utf8'), 'version: 1 # mine\n');
});

test('a group-readable file loads but warns with the chmod fix', async () => {
  const home = tempHome();
  const path = writeConfig(home, 'version: 1\n');
  fs.chmodSync(path, 0o640);
  const warnings: string[] = [];
  await loadConfig(home, { USER: 'u' }, (m) => warnings.push(m));
  assert.deepEqual(warnings, [`${path} is readable by group/others; run: chmod 600 ${path}`]);
  assert.equal(fs.statSync(path).mode & 0o777, 0o640, 'the loader does not chmod on its own');
});

test('malformed YAML is a ConfigError naming the file and line', async () => {
  const home = tempHome();
  const path = writeConfig(home, 'version: 1\nclouds: {}\nclouds: {}\n');
  assert.deepEqual(await loadError(home), [`${path}:3: Map keys must be unique`]);

  writeConfig(home, 'version: 1\nclusters:\n  hpc1:\n    scheduler: slurm\n    host: "unterminated\n');
  assert.deepEqual(await loadError(home), [`${path}:6: Missing closing "quote`]);

  writeConfig(home, '- just\n- a list\n');
  assert.deepEqual(await loadError(home), [`${path}:1: expected "key: value" lines at the top level`]);
});

test('an unknown nested key names line, key path and the likely key; all problems are listed in file order', async () => {
  const home = tempHome();
  const path = writeConfig(
    home,
    ['version: 1', 'clusters:', '  ok:', '    scheduler: pbs', '  hpc1:', '    schduler: slurm', '    host: login1', 'databse:', '  backend: sqlite', ''].join('\n'),
  );
  assert.deepEqual(await loadError(home), [
    `${path}:5: clusters.hpc1: missing required key "scheduler"`,
    `${path}:6: clusters.hpc1.schduler: unknown key (did you mean "scheduler"?)`,
    `${path}:8: databse: unknown key (did you mean "database"?)`,
  ]);
});

test('wrong types, bad enums, ranges and versions are reported with the offending value', async () => {
  const home = tempHome();
  const path = writeConfig(home, 'version: x\n');
  assert.deepEqual(await loadError(home), [`${path}:1: version: expected a number, got "x"`]);

  writeConfig(home, 'version: 2\n');
  assert.deepEqual(await loadError(home), [`${path}:1: version: unsupported version 2 (this cm reads version 1)`]);

  writeConfig(
    home,
    ['version: 1', 'clouds:', '  aws:', '    kind: aws', '    active: yes', 'clusters:', '  h:', '    scheduler: SLURM', '    port: 99999', 'database: sqlite', ''].join('\n'),
  );
  assert.deepEqual(await loadError(home), [
    `${path}:5: clouds.aws.active: expected true or false, got "yes"`,
    `${path}:8: clusters.h.scheduler: expected one of local, slurm, pbs, sge, got "SLURM" (did you mean "slurm"?)`,
    `${path}:9: clusters.h.port: must be at most 65535, got 99999`,
    `${path}:10: database: expected a mapping (key: value lines), got "sqlite"`,
  ]);
});

test('a wrongly typed secret is reported without its value', async () => {
  const home = tempHome();
  const path = writeConfig(home, 'version: 1\nclusters:\n  h:\n    scheduler: slurm\n    password: 918273645\n');
  const lines = await loadError(home);
  assert.deepEqual(lines, [`${path}:5: clusters.h.password: expected a string, got a number (put it in quotes to use it as text)`]);
  assert.ok(!lines.join('\n').includes('918273645'));
});

test('a failed load never modifies the file', async () => {
  const home = tempHome();
  const bad = [
    'version: 1\nclusters:\n  x:\n    schduler: slurm\n',
    'version: [1\n',
    'version: 3\r\nclouds:\r\n  a: {kind: 1}\r\n',
    '\uFEFFversion: x\n# trailing comment without newline',
    '',
  ];
  for (const text of bad) {
    const path = writeConfig(home, text);
    const before = fs.readFileSync(path);
    const mtime = fs.statSync(path).mtimeMs;
    await loadError(home);
    assert.deepEqual(fs.readFileSync(path), before, `changed: ${JSON.stringify(text)}`);
    assert.equal(fs.statSync(path).mtimeMs, mtime);
    assert.equal(fs.statSync(path).mode & 0o777, 0o600);
  }
});

test('defaults: local cluster always present, profile user from USER, database sqlite', async () => {
  const home = tempHome();
  writeConfig(
    home,
    [
      'version: 1',
      'profile:',
      '  email: a@example.org',
      'clouds:        # left empty on purpose',
      'clusters:',
      '  hpc1: {scheduler: slurm, transport: ssh, host: login.example.org, port: 22}',
      'database:',
      '  path: state.db',
      'server: {port: 8080}',
      '',
    ].join('\n'),
  );
  const config = await loadConfig(home, { USER: 'bob' }, () => {});
  assert.deepEqual(config.profile, { user: 'bob', email: 'a@example.org' });
  assert.deepEqual(config.clouds, {});
  assert.deepEqual(config.clusters, {
    local: { scheduler: 'local', transport: 'local' },
    hpc1: { scheduler: 'slurm', transport: 'ssh', host: 'login.example.org', port: 22 },
  });
  assert.deepEqual(Object.keys(config.clusters), ['local', 'hpc1'], 'local comes first');
  assert.deepEqual(config.database, { backend: 'sqlite', path: 'state.db' });
  assert.deepEqual((config as { server?: unknown }).server, { port: 8080 });

  // A written `local` may add settings; the built-in ones stay unless overridden.
  writeConfig(home, 'version: 1\nprofile: {user: carol}\nclusters:\n  local:\n    scheduler: local\n    workdir: /scratch\n');
  const second = await loadConfig(home, {}, () => {});
  assert.equal(second.profile.user, 'carol');
  assert.deepEqual(second.clusters, { local: { scheduler: 'local', transport: 'local', workdir: '/scratch' } });

  // Without USER the system user name fills in.
  writeConfig(home, 'version: 1\n');
  const third = await loadConfig(home, {}, () => {});
  assert.equal(third.profile.user, os.userInfo().username);
});

test('the parsed-config cache follows every edit and never holds a literal secret', async () => {
  const home = tempHome();
  const path = configPath(home);
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path, 'version: 1\nprofile: {user: first}\n', { mode: 0o600 });
  assert.equal((await loadConfig(home, {}, () => {})).profile.user, 'first');
  assert.equal((await loadConfig(home, {}, () => {})).profile.user, 'first', 'served from the cache');
  fs.writeFileSync(path, 'version: 1\nprofile: {user: second}\n', { mode: 0o600 });
  assert.equal((await loadConfig(home, {}, () => {})).profile.user, 'second', 'an edit is seen at once');
  fs.writeFileSync(path, 'version: 1\nprofile: {user: second}\nclusters: {x: {schduler: slurm}}\n', { mode: 0o600 });
  await assert.rejects(loadConfig(home, {}, () => {}), /schduler/);
  fs.writeFileSync(path, 'version: 1\nclouds: {c: {kind: openstack, credentials: {OS_PASSWORD: literal-pw-123}}}\n', { mode: 0o600 });
  await loadConfig(home, {}, () => {});
  const cache = path.replace('cloudmesh.yaml', '.cache/config.json');
  assert.ok(!fs.readFileSync(cache, 'utf8').includes('literal-pw-123'), 'a file with a literal secret is not cached');
});
