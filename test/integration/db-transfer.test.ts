// `cm db export` / `cm db import` / `cm db use` through the real binary: state round-trips SQLite → SQLite,
// SQLite → PostgreSQL and SQLite → MariaDB unchanged (unicode, quotes, newlines, nested JSON, nulls,
// numbers); a corrupt or truncated file, or a row the database rejects half way, imports nothing; and a home
// switches from SQLite to PostgreSQL and back, never showing or storing the password unless asked to.
// A server that is not running is skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTION_NAMES, SAMPLES, range } from '../contracts/store.samples.ts';
import { cm, cmJson, tempHome, type RunResult } from '../helpers.ts';
import { scratchDatabases } from '../support/scratch-databases.ts';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sql/migrations.ts';

const files = tempHome('cm-transfer-files-');
const name = `cm_transfer_${process.pid}_${Date.now().toString(36)}`;
const PASSWORD = 'not-a-real-secret';
const [pgScratch, mysqlScratch] = scratchDatabases(name, { password: PASSWORD });
const servers = [
  {
    ...pgScratch,
    // PostgreSQL text cannot hold NUL: a row that passes validation and fails inside the transaction.
    poison: 'nul \u0000 byte',
  },
  {
    ...mysqlScratch,
    // Keys are varchar(255); strict mode (the default of MariaDB ≥ 10.2.4 and MySQL ≥ 5.7) refuses a longer one.
    poison: 'k'.repeat(300),
  },
];
const postgres = servers[0]!;

const seen = { source: 'user', seen_at: '2025-01-02T03:04:05.000Z' };
/** Text that is hard to carry through JSON and three SQL dialects. */
const TRICKY = 'line 1\nline 2\r\n\ttab "double" \'single\' back\\slash ünïcødé 日本語 🚀 e\u0301 \u2028 end';
const TRICKY_ROWS: Array<{ collection: string; row: Record<string, unknown> }> = [
  { collection: 'vars', row: { name: 'quote"back\\slash ünï 🚀', value: TRICKY, ...seen } },
  { collection: 'vars', row: { name: 'Alpha', value: '', ...seen } },
  { collection: 'vars', row: { name: 'alpha', value: '   spaces   ', ...seen } },
  { collection: 'vars', row: { name: 'trailing space ', value: 'x', ...seen } },
  {
    collection: 'jobs',
    row: {
      cluster: 'local', id: 'tricky', name: TRICKY, state: 'COMPLETED', exit_code: 0, submitted_at: seen.seen_at, started_at: null, ended_at: null,
      dir: '/tmp/dir with spaces', reason: null,
      spec: { command: ['sh', '-c', 'echo "a b" \\ c'], env: { 'ключ': 'значение', empty: '' }, nested: { list: [1, -2.5, 1e21, 0, null, true, false, [[]], {}] }, max: 9007199254740991, text: TRICKY },
      ...seen,
    },
  },
  {
    collection: 'flavors',
    row: { cloud: 'c', id: 'big', name: 'big', vcpus: 0, ram_mb: 2147483647, disk_gb: null, data: { 'quo"te': { 'new\nline': [null] } }, ...seen },
  },
];

/** An export file with three sample rows of every collection plus the tricky rows, and optionally more lines. */
function seedFile(path: string, extra: Array<{ collection: string; row: Record<string, unknown> }> = []): string {
  const entries = [...COLLECTION_NAMES.flatMap((collection) => range(3).map((i) => ({ collection, row: SAMPLES[collection](i) as unknown as Record<string, unknown> }))), ...TRICKY_ROWS, ...extra];
  const rows = Object.fromEntries(COLLECTION_NAMES.map((c) => [c, entries.filter((e) => e.collection === c).length]));
  const header = { cloudmesh: 'export', format: 1, schema: LATEST_SCHEMA_VERSION, backend: 'hand-written', exported_at: seen.seen_at, rows };
  writeFileSync(path, [header, ...entries].map((line) => JSON.stringify(line)).join('\n') + '\n');
  return path;
}

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');
const header = (file: string) => JSON.parse(lines(file)[0]!) as { format: number; schema: number; backend: string; rows: Record<string, number> };
const rows = (file: string) => lines(file).slice(1).sort();

/**
 * `after` holds exactly the rows of `before` plus the audit row of the one `db import` that loaded it (an
 * import is audited in the store it wrote to, after its transaction).
 */
function assertSameRows(before: string, after: string, backend: string): void {
  const [a, b] = [rows(before), rows(after)];
  assert.deepEqual(a.filter((line) => !b.includes(line)), [], 'every exported row came back byte for byte');
  const extra = b.filter((line) => !a.includes(line)).map((line) => JSON.parse(line) as { collection: string; row: { command: string } });
  assert.deepEqual(extra.map((e) => [e.collection, e.row.command]), [['audit', 'db import']]);
  const [ha, hb] = [header(before), header(after)];
  assert.deepEqual([hb.format, hb.schema, hb.backend], [ha.format, ha.schema, backend]);
  assert.deepEqual(hb.rows, { ...ha.rows, audit: ha.rows.audit! + 1 });
}

async function counts(home: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return cmJson<Record<string, unknown>>(home, ['db', 'info'], { env });
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  return result;
}

/** The SQLite export every server test imports, made once. */
let exported: Promise<string> | undefined;
function sqliteExport(): Promise<string> {
  exported ??= (async () => {
    const home = tempHome();
    const seed = seedFile(join(files, 'seed.jsonl'));
    const imported = await cmJson<{ total: number; added: number }>(home, ['db', 'import', seed]);
    assert.equal(imported.total, rows(seed).length);
    assert.equal(imported.added, imported.total);
    const file = join(files, 'sqlite.jsonl');
    const result = await cmJson<{ file: string; total: number }>(home, ['db', 'export', file]);
    assert.equal(result.file, file);
    assert.equal((await import('node:fs')).statSync(file).mode & 0o777, 0o600);
    assertSameRows(seed, file, 'sqlite');
    return file;
  })();
  return exported;
}

test('SQLite → SQLite: export, import, export gives the same rows; --replace and --dry-run', async () => {
  const first = await sqliteExport();
  const home = tempHome();
  ok(await cm(home, ['db', 'import', first]), 'import');
  const second = join(files, 'sqlite-2.jsonl');
  ok(await cm(home, ['db', 'export', second]), 'export');
  assertSameRows(first, second, 'sqlite');

  ok(await cm(home, ['var', 'only-here=1']), 'var');
  const before = await counts(home);
  const plan = await cmJson<{ dry_run: boolean; collections: Record<string, { removed: number }> }>(home, ['db', 'import', first, '--replace', '--dry-run']);
  assert.equal(plan.dry_run, true);
  assert.equal(plan.collections.vars?.removed, 1);
  assert.deepEqual(await counts(home), before, 'a dry run writes nothing (and is not audited)');
  ok(await cm(home, ['db', 'import', first, '--replace']), 'import --replace');
  assert.equal((await cm(home, ['var', 'only-here'])).code, 1, 'the row the file does not hold is gone');
  assert.equal((await cmJson<{ value: string }>(home, ['var', 'quote"back\\slash ünï 🚀'])).value, TRICKY);
});

test('a corrupt or truncated file is reported as FILE:LINE and imports nothing', async () => {
  const good = await sqliteExport();
  const home = tempHome();
  ok(await cm(home, ['var', 'keep=me']), 'var');
  const before = await counts(home);
  const text = readFileSync(good, 'utf8');
  const cut = join(files, 'cut.jsonl');
  const count = lines(good).length;
  writeFileSync(cut, text.slice(0, text.length - 40));
  const midLine = await cm(home, ['db', 'import', cut]);
  assert.equal(midLine.code, 1);
  assert.match(midLine.stderr, new RegExp(`error: ${cut}:${count}: not valid JSON`));
  assert.match(midLine.stderr, /nothing was imported/);
  writeFileSync(cut, lines(good).slice(0, -2).join('\n') + '\n');
  const atBoundary = await cm(home, ['db', 'import', cut]);
  assert.match(atBoundary.stderr, new RegExp(`error: ${cut}:${count - 1}: the header \\(line 1\\) announces \\d+ \\w+ rows but the file holds`));
  const edited = lines(good);
  edited[5] = edited[5]!.replace(/"row":\{/, '"row":{"unexpected":1,');
  writeFileSync(cut, edited.join('\n'));
  assert.match((await cm(home, ['db', 'import', cut])).stderr, new RegExp(`error: ${cut}:6: \\w+ has no column "unexpected"`));
  assert.deepEqual(await counts(home), before);
});

for (const server of servers) {
  test(`SQLite → ${server.backend}: the same rows come back; a row the database refuses half way imports nothing`, { skip: server.up ? false : `${server.backend} is not running on 127.0.0.1` }, async () => {
    const first = await sqliteExport();
    assert.equal(server.create().status, 0, `could not create database ${name}`);
    try {
      const home = tempHome();
      ok(await cm(home, ['config', 'path']), 'config path');
      writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: ${server.backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
      const env = { CM_TEST_DB_URL: server.url };
      ok(await cm(home, ['db', 'import', first], { env }), 'import');
      const back = join(files, `${server.backend}.jsonl`);
      ok(await cm(home, ['db', 'export', back], { env }), 'export');
      assertSameRows(first, back, server.backend);

      const before = await counts(home, env);
      // Last collection in the file, so every other one has been written inside the transaction by then.
      const poisoned = seedFile(join(files, `${server.backend}-poison.jsonl`), [{ collection: 'counters', row: { name: server.poison, value: 1 } }]);
      const failed = await cm(home, ['db', 'import', poisoned], { env });
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /nothing was imported \(the transaction was rolled back\)/);
      assert.doesNotMatch(failed.stderr + failed.stdout, new RegExp(PASSWORD));
      assert.deepEqual(await counts(home, env), before);
    } finally {
      server.drop();
    }
  });
}

test('db use: SQLite → PostgreSQL (env: reference) → SQLite, and --store-url', { skip: postgres.up ? false : 'postgres is not running on 127.0.0.1' }, async () => {
  assert.equal(postgres.create().status, 0);
  try {
    const home = tempHome();
    const env = { CM_DB_URL: postgres.url };
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const result = await cm(home, args, { env });
      outputs.push(result.stdout, result.stderr);
      return ok(result, args.join(' '));
    };
    await run(['var', 'where=sqlite']);
    const template = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
    const switched = JSON.parse((await run(['--output', 'json', 'db', 'use', 'postgres', 'env:CM_DB_URL'])).stdout) as Record<string, string>;
    assert.equal(switched.backend, 'postgres');
    assert.equal(switched.location, `postgres://postgres:********@127.0.0.1:5432/${name}`);
    assert.equal(switched.setting, 'env:CM_DB_URL');
    assert.equal(readFileSync(switched.backup!, 'utf8'), template);
    const config = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
    assert.equal(config, template.replace('  backend: sqlite\n', '  backend: postgres\n  url: env:CM_DB_URL\n'), 'only the database section changed');
    assert.equal((await cm(home, ['var', 'where'], { env })).code, 1, 'the new database starts empty');
    await run(['var', 'where=postgres']);
    assert.equal(JSON.parse((await run(['--output', 'json', 'db', 'info'])).stdout).backend, 'postgres');

    await run(['db', 'use', 'sqlite']);
    assert.equal(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), template);
    assert.equal(JSON.parse((await run(['--output', 'json', 'var', 'where'])).stdout).value, 'sqlite');

    // Asked for explicitly, the URL is written as typed; it is still masked wherever cm shows it.
    await run(['db', 'use', 'postgres', postgres.url, '--store-url']);
    assert.match(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), new RegExp(`url: ${postgres.url}`));
    assert.equal(JSON.parse((await run(['--output', 'json', 'var', 'where'])).stdout).value, 'postgres');
    await run(['config']);
    await run(['--output', 'json', 'audit', 'list']);
    for (const text of [...outputs, readFileSync(join(home, 'audit.log'), 'utf8')]) assert.doesNotMatch(text, new RegExp(PASSWORD));
    assert.equal(readdirSync(home).filter((f) => f.startsWith('cloudmesh.yaml.bak-')).length, 3);
  } finally {
    postgres.drop();
  }
});

test('db use refuses, changing nothing: a typed password, an unreachable server (PostgreSQL, MongoDB), an invalid config', async () => {
  const home = tempHome();
  ok(await cm(home, ['config', 'check']), 'config check');
  const path = join(home, 'cloudmesh.yaml');
  const template = readFileSync(path, 'utf8');
  const unchanged = (what: string) => {
    assert.equal(readFileSync(path, 'utf8'), template, what);
    assert.deepEqual(readdirSync(home).filter((f) => f.includes('.bak-') || f.endsWith('.tmp')), [], what);
  };

  const typed = await cm(home, ['db', 'use', 'postgres', `postgres://cm:${PASSWORD}@127.0.0.1:1/cm`]);
  assert.equal(typed.code, 1);
  assert.match(typed.stderr, /the postgres URL holds a password: give it as env:VAR or file:PATH .*--store-url/);
  assert.match(typed.stderr, /hint: .*cm db use postgres env:CM_DB_URL/);
  unchanged('typed password');

  const env = { CM_DB_URL: `postgres://cm:${PASSWORD}@127.0.0.1:1/cm` };
  for (const args of [['db', 'use', 'postgres', 'env:CM_DB_URL'], ['db', 'use', 'postgres', env.CM_DB_URL, '--store-url']]) {
    const unreachable = await cm(home, args, { env });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
    assert.match(unreachable.stderr, /cloudmesh\.yaml was not changed/);
    unchanged('unreachable');
  }
  const missing = await cm(home, ['db', 'use', 'mysql', 'env:CM_NOT_SET']);
  assert.match(missing.stderr, /environment variable CM_NOT_SET is not set/);
  unchanged('unset variable');

  // Nothing listens on port 1: the driver's server selection gives up after the URL's timeout.
  const mongo = await cm(home, ['db', 'use', 'mongo', 'env:CM_DB_URL'], { env: { CM_DB_URL: `mongodb://cm:${PASSWORD}@127.0.0.1:1/cm?serverSelectionTimeoutMS=1500` } });
  assert.equal(mongo.code, 1);
  assert.match(mongo.stderr, /error: cannot connect to MongoDB at 127\.0\.0\.1:1/);
  assert.match(mongo.stderr, /cloudmesh\.yaml was not changed/);
  assert.doesNotMatch(mongo.stderr, new RegExp(PASSWORD));
  unchanged('mongo');
  const badMongo = await cm(home, ['db', 'use', 'mongo', 'http://127.0.0.1/cm']);
  assert.match(badMongo.stderr, /must start with mongodb:\/\/ or mongodb\+srv:\/\//);
  unchanged('not a mongodb URL');

  assert.equal((await cm(home, ['db', 'use', 'postgres'])).code, 2, 'a server backend needs a URL');
  unchanged('no url');

  const blocker = join(home, 'not-a-directory');
  writeFileSync(blocker, 'a file where a directory should be');
  assert.match((await cm(home, ['db', 'use', 'sqlite', join(blocker, 'state.db')])).stderr, /error: cannot create the folder of the database .*state\.db\n/);
  unchanged('unusable sqlite path');

  const invalid = `${template}bogus: 1\n`;
  writeFileSync(path, invalid);
  const refused = await cm(home, ['db', 'use', 'sqlite', 'other.db']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cloudmesh\.yaml:\d+: bogus/);
  assert.equal(readFileSync(path, 'utf8'), invalid);
  assert.equal(existsSync(join(home, 'other.db')), false);
});

test('db export refuses to write a row holding a secret of the config', async () => {
  const home = tempHome();
  ok(await cm(home, ['config', 'path']), 'config path');
  writeFileSync(join(home, 'cloudmesh.yaml'), 'version: 1\nclouds:\n  aws:\n    kind: aws\n    credentials:\n      secret_access_key: env:CM_TEST_SECRET\n', { mode: 0o600 });
  const env = { CM_TEST_SECRET: 'wJalrXUtnFEMI-example-key' };
  ok(await cm(home, ['var', `note=key is ${env.CM_TEST_SECRET}`], { env }), 'var');
  const file = join(files, 'leak.jsonl');
  const refused = await cm(home, ['db', 'export', file], { env });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refusing to export: line \d+ \(a row of vars\) contains the value of a secret from cloudmesh\.yaml; nothing was written/);
  assert.doesNotMatch(refused.stderr, /wJalrXUtnFEMI/);
  assert.equal(existsSync(file), false);
});
