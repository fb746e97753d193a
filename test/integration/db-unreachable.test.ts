// A database that cannot be reached is a clear error naming where, exit code 1, and never a silent
// fall-back to another store (issue 5, item 6): no cloudmesh.db appears in the home, for every backend.
// Nothing listens on 127.0.0.1:1, so these run without any server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, tempHome } from '../helpers.ts';

const PASSWORD = 'Unreachable-pa55';
const cases = [
  { backend: 'postgres', url: `postgres://cm:${PASSWORD}@127.0.0.1:1/cm`, message: /error: cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/ },
  { backend: 'mysql', url: `mysql://cm:${PASSWORD}@127.0.0.1:1/cm`, message: /error: cannot connect to MySQL at 127\.0\.0\.1:1: connection refused/ },
  { backend: 'mongo', url: `mongodb://cm:${PASSWORD}@127.0.0.1:1/cm?serverSelectionTimeoutMS=1500`, message: /error: cannot connect to MongoDB at 127\.0\.0\.1:1/ },
];

for (const { backend, url, message } of cases) {
  test(`an unreachable ${backend} server is a clear error without the password, and no fall-back to SQLite`, { timeout: 60_000 }, async () => {
    const home = tempHome('cm-unreachable-');
    await cm(home, ['config', 'path']);
    writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: ${backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
    for (const args of [['var', 'x=1'], ['db', 'info'], ['hpc', 'status']]) {
      const result = await cm(home, args, { env: { CM_TEST_DB_URL: url } });
      assert.equal(result.code, 1, `cm ${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(PASSWORD), 'the password never appears');
      assert.equal(result.stdout, '', 'no data from any other store');
    }
    assert.ok(!readdirSync(home).some((f) => f.startsWith('cloudmesh.db')), `no SQLite state was created: ${readdirSync(home).join(' ')}`);
  });
}

test('an unusable SQLite path is a clear error, and nothing is written elsewhere', async () => {
  const home = tempHome('cm-unreachable-');
  await cm(home, ['config', 'path']);
  // A file where the database's folder should be: unusable even for root.
  const blocker = join(home, 'not-a-directory');
  writeFileSync(blocker, 'a file');
  writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: sqlite\n  path: ${join(blocker, 'state.db')}\n`, { mode: 0o600 });
  const result = await cm(home, ['var', 'x=1']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: cannot create the folder of the database .*state\.db/);
  assert.ok(!existsSync(join(home, 'cloudmesh.db')), 'not the default file instead');
});

test('a malformed database URL is refused with one clear line that never repeats it', async () => {
  const home = tempHome('cm-malformed-');
  await cm(home, ['config', 'path']);
  for (const [backend, url, message] of [
    ['postgres', `postgres://cm:${PASSWORD}@[::1/cm`, /error: database\.url is not a valid URL/],
    ['mysql', `mysql://cm:${PASSWORD}@127.0.0.1:3306/`, /error: database\.url names no database/],
    ['mongo', `mongodb://cm:${PASSWORD}@db:port/cm`, /error: database\.url has an invalid host list/],
    ['postgres', `mysql://cm:${PASSWORD}@127.0.0.1/cm`, /error: database\.url for PostgreSQL must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\//],
  ] as const) {
    writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: ${backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
    const result = await cm(home, ['var', 'list'], { env: { CM_TEST_DB_URL: url } });
    assert.equal(result.code, 1, `${backend} ${url}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(PASSWORD), 'the password never appears');
  }
  assert.ok(!existsSync(join(home, 'cloudmesh.db')));
});
