/**
 * Tests of the one rewrite of cloudmesh.yaml (`db use`): only the database section changes, comments and
 * the rest stay, a private backup comes first, an invalid file is refused untouched, and no temp file is left.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.ts';
import { setDatabaseSection } from './edit.ts';
import { CONFIG_TEMPLATE, configPath, loadConfig } from './load.ts';

const env = { USER: 'tester' };
const now = new Date('2025-01-31T12:00:00.000Z');
const BACKUP = 'cloudmesh.yaml.bak-2025-01-31T12-00-00-000Z';

function home(text?: string, mode = 0o600): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cm-edit-'));
  if (text !== undefined) {
    fs.writeFileSync(configPath(dir), text, { mode });
    fs.chmodSync(configPath(dir), mode);
  }
  return dir;
}

const read = (dir: string) => fs.readFileSync(configPath(dir), 'utf8');
const modeOf = (path: string) => fs.statSync(path).mode & 0o777;

const COMMENTED = `# my settings, keep this comment
version: 1   # format version

profile:
  user: alice   # who I am
  # email: alice@example.org

clusters:
  hpc1:
    scheduler: slurm
    host: login.example.org   # the login node
    workdir: /scratch/a very long path with spaces that is longer than eighty characters so that folding would show

# state lives here
database:
  # the backend in use
  backend: sqlite
  path: old.db   # keep it local
# end of file
`;

test('only the database section changes: comments, order and other sections are kept; backup first, all 0600', async () => {
  const dir = home(COMMENTED, 0o644);
  fs.mkdirSync(join(dir, '.cache'));
  fs.writeFileSync(join(dir, '.cache', 'config.json'), '{}');
  const result = await setDatabaseSection(dir, { backend: 'postgres', url: 'env:CM_DB_URL' }, { env, now });
  assert.deepEqual(result, { path: configPath(dir), backup: join(dir, BACKUP), changed: true });
  assert.equal(read(dir), COMMENTED.replace('  backend: sqlite\n  path: old.db   # keep it local\n', '  backend: postgres\n  url: env:CM_DB_URL\n'));
  assert.equal(fs.readFileSync(join(dir, BACKUP), 'utf8'), COMMENTED);
  assert.equal(modeOf(join(dir, BACKUP)), 0o600);
  assert.equal(modeOf(configPath(dir)), 0o600, 'the new file is private even though the old one was not');
  assert.equal(fs.existsSync(join(dir, '.cache', 'config.json')), false, 'the config cache is dropped');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  const config = await loadConfig(dir, env, () => {});
  assert.deepEqual(config.database, { backend: 'postgres', url: 'env:CM_DB_URL' });
  assert.equal(config.clusters.hpc1?.host, 'login.example.org');
});

test('back to sqlite removes the url; the template survives a round trip byte for byte', async () => {
  const dir = home();
  await loadConfig(dir, env, () => {});
  await setDatabaseSection(dir, { backend: 'mysql', url: 'file:db-url' }, { env, now });
  assert.match(read(dir), /database:\n {2}backend: mysql\n {2}url: file:db-url\n$/);
  const back = await setDatabaseSection(dir, { backend: 'sqlite' }, { env, now });
  assert.equal(back.backup, join(dir, `${BACKUP}-1`), 'an earlier backup is never overwritten');
  assert.equal(read(dir), CONFIG_TEMPLATE);
});

test('asking for what the file already says changes nothing and writes no backup', async () => {
  const dir = home(COMMENTED);
  const result = await setDatabaseSection(dir, { backend: 'sqlite', path: 'old.db' }, { env, now });
  assert.deepEqual(result, { path: configPath(dir), changed: false });
  assert.equal(read(dir), COMMENTED);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== '.cache'), ['cloudmesh.yaml']);
});

test('a file without a database section (or an empty one) gets one; 4-space indentation is kept', async () => {
  const dir = home('version: 1\nclusters:\n    hpc1:\n        scheduler: slurm\n');
  await setDatabaseSection(dir, { backend: 'sqlite', path: 'x.db' }, { env, now });
  assert.equal(read(dir), 'version: 1\nclusters:\n    hpc1:\n        scheduler: slurm\ndatabase:\n    backend: sqlite\n    path: x.db\n');
  const empty = home('version: 1\ndatabase:\nclouds: {}\n');
  await setDatabaseSection(empty, { backend: 'postgres', url: 'env:U' }, { env, now });
  assert.deepEqual((await loadConfig(empty, env, () => {})).database, { backend: 'postgres', url: 'env:U' });
  assert.match(read(empty), /^version: 1\ndatabase:\n {2}backend: postgres\n {2}url: env:U\nclouds: \{\}\n$/);
});

test('an invalid config is refused and left exactly as it was, with no backup', async () => {
  for (const text of ['version: 1\ndatabase:\n  backend: oracle\n', 'version: 1\nclusters: [\n', 'version: 1\nunknown_section: 1\n']) {
    const dir = home(text);
    await assert.rejects(setDatabaseSection(dir, { backend: 'sqlite' }, { env, now }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /is not valid, so it was not changed:\n.*cloudmesh\.yaml:\d+: /);
      return true;
    });
    assert.equal(read(dir), text);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== '.cache'), ['cloudmesh.yaml']);
  }
});

test('a symlinked config is edited through the link, which stays a link', async () => {
  const dir = home();
  const real = join(dir, 'dotfiles-cloudmesh.yaml');
  fs.writeFileSync(real, 'version: 1\n', { mode: 0o600 });
  fs.symlinkSync(real, configPath(dir));
  await setDatabaseSection(dir, { backend: 'sqlite', path: 'a.db' }, { env, now });
  assert.ok(fs.lstatSync(configPath(dir)).isSymbolicLink());
  assert.equal(fs.readFileSync(real, 'utf8'), 'version: 1\ndatabase:\n  backend: sqlite\n  path: a.db\n');
});

test('flow style is edited in place; a section shared through an anchor is refused untouched', async () => {
  const flow = home('{version: 1, database: {backend: sqlite}}   # one line\n');
  await setDatabaseSection(flow, { backend: 'postgres', url: 'env:U' }, { env, now });
  assert.equal(read(flow), '{version: 1, database: { backend: postgres, url: env:U }}   # one line\n');
  const shared = 'version: 1\ndatabase: &db\n  backend: sqlite\nclouds:\n  aws:\n    kind: aws\n    settings: *db\n';
  const dir = home(shared);
  await assert.rejects(setDatabaseSection(dir, { backend: 'mysql', url: 'env:U' }, { env, now }), /cannot change the database section .* automatically .*nothing was changed/);
  assert.equal(read(dir), shared);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== '.cache'), ['cloudmesh.yaml']);
});
