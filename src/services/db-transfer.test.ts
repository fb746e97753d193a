/**
 * Tests of db export/import below the CLI: that the column-type table matches the layout, that every kind
 * of bad line is reported as FILE:LINE, and, on real SQLite files, the round trip, the secret check, the
 * replace and counter rules, dry runs, and that a failure half way through an import writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { COLLECTIONS, COLLECTION_NAMES } from '../core/collections.ts';
import { UserError } from '../core/errors.ts';
import type { Store } from '../core/store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { COLUMN_KINDS, exportStore, importExport, parseExport, readExport } from './db-transfer.ts';

const dir = await mkdtemp(join(tmpdir(), 'cm-transfer-'));
after(() => rm(dir, { recursive: true, force: true }));
let stores = 0;
const open = () => openSqliteStore({ path: join(dir, `s${++stores}.db`) });
const now = new Date('2025-01-02T03:04:05.000Z');

const header = (rows: Record<string, number> = { vars: 1 }) => JSON.stringify({ cloudmesh: 'export', format: 1, schema: 1, backend: 'sqlite', exported_at: now.toISOString(), rows });
const varLine = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ collection: 'vars', row: { name, value: 'v', source: 'user', seen_at: now.toISOString(), ...extra } });
const flavor = { cloud: 'c', id: 'f', name: 'm1', vcpus: 2, ram_mb: null, disk_gb: 10, data: { a: [1] }, source: 's', seen_at: 't' };
const flavorLine = (changes: Record<string, unknown>) => JSON.stringify({ collection: 'flavors', row: { ...flavor, ...changes } });

/** The message of the UserError parseExport throws for `lines` (joined with newlines, plus the final one). */
function problem(lines: readonly string[], end = '\n'): string {
  try {
    parseExport(lines.join('\n') + end, 'state.jsonl');
  } catch (error) {
    assert.ok(error instanceof UserError, String(error));
    return error.message;
  }
  return assert.fail('expected the file to be refused');
}

test('the column-type table has exactly the columns of every layout, JSON columns as json', () => {
  for (const name of COLLECTION_NAMES) {
    const kinds = COLUMN_KINDS[name] as Record<string, string>;
    assert.deepEqual(Object.keys(kinds).sort(), [...COLLECTIONS[name].columns].sort(), name);
    for (const column of COLLECTIONS[name].json) assert.equal(kinds[column], 'json', `${name}.${column}`);
  }
});

test('a valid file parses (CRLF line ends, a byte-order mark and no final newline are fine)', () => {
  const parsed = parseExport('\uFEFF' + [header({ vars: 2, flavors: 1, audit: 0 }), varLine('a'), varLine('b'), flavorLine({})].join('\r\n'), 'f');
  assert.equal(parsed.rows.vars?.length, 2);
  assert.deepEqual(parsed.rows.flavors, [flavor]);
  assert.deepEqual(parsed.header.rows, { vars: 2, flavors: 1, audit: 0 });
});

test('every kind of bad header is reported at line 1', () => {
  assert.match(problem([], ''), /^state\.jsonl:1: empty: not a cloudmesh export/);
  assert.match(problem(['{"cloudmesh": "export"']), /^state\.jsonl:1: not valid JSON \(/);
  assert.match(problem([varLine('a')]), /^state\.jsonl:1: not a cloudmesh export/);
  assert.match(problem([header().replace('"format":1', '"format":2')]), /^state\.jsonl:1: export format 2 is not supported \(this cm reads format 1\)/);
  assert.match(problem([header().replace('"schema":1', '"schema":"1"')]), /^state\.jsonl:1: "schema" must be a schema version/);
  assert.match(problem([header({ varz: 1 })]), /^state\.jsonl:1: "rows" names an unknown collection "varz" \(did you mean "vars"\?\)/);
  assert.match(problem([header({ vars: -1 })]), /^state\.jsonl:1: "rows\.vars" must be a row count/);
  assert.match(problem([header().replace(/,"rows".*\}$/, '}')]), /^state\.jsonl:1: "rows" must be an object/);
});

test('every kind of bad row line is reported with its own line number', () => {
  const h = header({ vars: 3, flavors: 1 });
  const at = (line: number, bad: string) => problem([h, varLine('a'), ...(line === 3 ? [] : [varLine('b')]), bad].slice(0, line));
  assert.match(at(3, ''), /^state\.jsonl:3: empty line$/);
  assert.match(at(3, '{"collection":"vars","row":{"name":"x"'), /^state\.jsonl:3: not valid JSON \(/);
  assert.match(at(4, '["vars", {}]'), /^state\.jsonl:4: expected \{"collection"/);
  assert.match(at(4, '{"collection":"vars","row":{},"extra":1}'), /^state\.jsonl:4: unexpected field "extra"/);
  assert.match(at(4, '{"collection":7,"row":{}}'), /^state\.jsonl:4: "collection" must be a string/);
  assert.match(at(4, '{"collection":"flavours","row":{}}'), /^state\.jsonl:4: unknown collection "flavours" \(did you mean "flavors"\?\)/);
  assert.match(at(4, '{"collection":"jobs","row":{}}'), /^state\.jsonl:4: collection "jobs" is not announced in the header/);
  assert.match(at(4, '{"collection":"vars","row":"x"}'), /^state\.jsonl:4: "row" must be an object/);
  assert.match(at(4, JSON.stringify({ collection: 'vars', row: { name: 'c', value: 'v', source: 's' } })), /^state\.jsonl:4: vars row has no column "seen_at"/);
  assert.match(at(4, varLine('c', { value: 5 })), /^state\.jsonl:4: column "value" of vars must be a string, not a number/);
  assert.match(at(4, varLine('c', { value: null })), /^state\.jsonl:4: column "value" of vars must be a string, not null/);
  assert.match(at(4, varLine('c', { colour: 'red' })), /^state\.jsonl:4: vars has no column "colour"/);
  assert.match(at(4, varLine('a')), /^state\.jsonl:4: duplicate vars row: same key as line 2/);
  assert.match(at(4, flavorLine({ vcpus: '2' })), /^state\.jsonl:4: column "vcpus" of flavors must be a whole number or null, not a string/);
  assert.match(at(4, flavorLine({ disk_gb: 1.5 })), /^state\.jsonl:4: column "disk_gb" of flavors must be a whole number or null, not a fraction/);
  assert.match(at(4, flavorLine({ data: [1] })), /^state\.jsonl:4: column "data" of flavors must be a JSON object, not an array/);
  assert.match(at(4, flavorLine({ data: null })), /^state\.jsonl:4: column "data" of flavors must be a JSON object, not null/);
  assert.match(at(4, flavorLine({ image: null })), /^state\.jsonl:4: flavors has no column "image"/);
});

test('a file cut short at a line boundary is caught by the counts in its header', () => {
  assert.match(problem([header({ vars: 3 }), varLine('a'), varLine('b')]), /^state\.jsonl:4: the header \(line 1\) announces 3 vars rows but the file holds 2: it was cut short/);
  assert.match(problem([header({ vars: 1 }), varLine('a'), varLine('b')]), /^state\.jsonl:4: the header \(line 1\) announces 1 vars rows but the file holds 2/);
});

test('readExport names a missing file', async () => {
  await assert.rejects(readExport(join(dir, 'missing.jsonl')), /cannot read .*missing\.jsonl: no such file or directory/);
});

/** Rows for every collection plus text that is hard to carry: quotes, newlines, unicode, nulls, numbers. */
async function seed(store: Store): Promise<void> {
  const seen = { source: 'user', seen_at: now.toISOString() };
  await store.collection('vars').putMany([
    { name: 'quote"back\\slash', value: 'line 1\nline 2\r\n\ttab "q" \'s\' ünïcødé 日本語 🚀 \u2028', ...seen },
    { name: 'plain', value: '', ...seen },
  ]);
  await store.collection('jobs').put({
    cluster: 'local', id: '7', name: 'j', state: 'done', exit_code: 0, submitted_at: 't', started_at: null, ended_at: null, dir: null, reason: 'a\nb',
    spec: { command: ['echo', 'a "b"'], nested: { deep: [1, 2.5, -3, null, true, { k: 'v\n' }] }, big: 9007199254740991 }, ...seen,
  });
  await store.collection('flavors').put({ ...flavor, vcpus: 0, ram_mb: 2147483647 });
  await store.collection('audit').put({ id: 'a1', time: 't', user: 'u', face: 'cli', command: 'var', args: '{}', result: 'ok', exit_code: 0 });
  await store.collection('counters').put({ name: 'job', value: 41 });
}

const body = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1);

test('export → import into another store → export gives the same rows; the file is private', async () => {
  const [a, b] = [await open(), await open()];
  await seed(a);
  const first = join(dir, 'first.jsonl');
  const result = await exportStore(a, first, { now, secrets: [] });
  assert.equal(result.total, 6);
  assert.equal(result.rows.vars, 2);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
  if (process.platform !== 'win32') assert.equal((await import('node:fs')).statSync(first).mode & 0o777, 0o600);
  const parsed = await readExport(first);
  const imported = await importExport(b, parsed, { file: first, replace: false, dryRun: false });
  assert.deepEqual([imported.total, imported.added, imported.updated, imported.removed], [6, 6, 0, 0]);
  const second = join(dir, 'second.jsonl');
  await exportStore(b, second, { now, secrets: [] });
  assert.deepEqual(body(second), body(first));
  assert.deepEqual(await b.collection('jobs').list(), await a.collection('jobs').list());
  await a.close();
  await b.close();
});

test('an export holding the value of a config secret is refused and writes nothing', async () => {
  const store = await open();
  await store.collection('vars').put({ name: 'leak', value: 'the token is s3cr"et!', source: 'user', seen_at: 't' });
  const file = join(dir, 'leak.jsonl');
  await assert.rejects(exportStore(store, file, { now, secrets: ['s3cr"et!'] }), /refusing to export: line 2 \(a row of vars\) contains the value of a secret/);
  assert.equal(existsSync(file), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('leak')), []);
  // Secrets too short to mean anything are not looked for (they would match ordinary text).
  await exportStore(store, file, { now, secrets: ['the'] });
  await store.close();
});

test('upsert keeps other rows and never lowers a counter; --replace makes each own collection exactly the file and still never lowers a counter', async () => {
  const store = await open();
  await store.collection('vars').put({ name: 'local-only', value: 'x', source: 'user', seen_at: 't' });
  await store.collection('counters').put({ name: 'job', value: 100 });
  const text = [header({ vars: 1, counters: 1 }), varLine('from-file'), JSON.stringify({ collection: 'counters', row: { name: 'job', value: 5 } })].join('\n');
  const parsed = parseExport(text, 'f');

  const plan = await importExport(store, parsed, { file: 'f', replace: true, dryRun: true });
  assert.deepEqual(plan.collections.vars, { rows: 1, added: 1, updated: 0, removed: 1 });
  assert.equal(await store.collection('vars').count(), 1, 'a dry run writes nothing');

  await importExport(store, parsed, { file: 'f', replace: false, dryRun: false });
  assert.deepEqual((await store.collection('vars').list()).map((r) => r.name), ['from-file', 'local-only']);
  assert.equal((await store.collection('counters').get({ name: 'job' }))?.value, 100);

  const replaced = await importExport(store, parsed, { file: 'f', replace: true, dryRun: false });
  assert.deepEqual([replaced.added, replaced.updated, replaced.removed], [0, 2, 1]);
  assert.deepEqual((await store.collection('vars').list()).map((r) => r.name), ['from-file']);
  assert.equal((await store.collection('counters').get({ name: 'job' }))?.value, 100, 'counters are shared: ids are never handed out twice');
  await store.close();
});

test('a failure half way through an import rolls everything back', async () => {
  const store = await open();
  await seed(store);
  const before = (await store.info()).counts;
  const file = join(dir, 'all.jsonl');
  await exportStore(store, file, { now, secrets: [] });
  const target = await open();
  const targetBefore = (await target.info()).counts;
  // The jobs collection fails after vars (earlier in the layout) has been written inside the transaction.
  const withFailingJobs = (inner: Store): Store => ({
    backend: inner.backend,
    location: inner.location,
    collection: ((name: 'vars') => {
      if ((name as string) !== 'jobs') return inner.collection(name);
      const jobs = inner.collection('jobs');
      return { ...jobs, list: () => jobs.list(), putMany: async () => Promise.reject(new UserError('disk full')) };
    }) as Store['collection'],
    transaction: (fn) => inner.transaction((tx) => fn(withFailingJobs(tx))),
    nextCounter: (name) => inner.nextCounter(name),
    migrate: () => inner.migrate(),
    info: () => inner.info(),
    close: () => inner.close(),
  });
  const failing = withFailingJobs(target);
  await assert.rejects(importExport(failing, await readExport(file), { file, replace: false, dryRun: false }), (error: UserError) => {
    assert.equal(error.message, 'disk full', String(error));
    assert.match(error.hint ?? '', /nothing was imported \(the transaction was rolled back\)/);
    return true;
  });
  assert.deepEqual((await target.info()).counts, targetBefore);
  assert.deepEqual((await store.info()).counts, before);
  await store.close();
  await target.close();
});

test('an export of a newer schema is refused', async () => {
  const store = await open();
  const parsed = parseExport(header({ vars: 0 }).replace('"schema":1', '"schema":99'), 'f');
  await assert.rejects(importExport(store, parsed, { file: 'f', replace: false, dryRun: false }), /^UserError: f:1: the export is of schema version 99, newer than/);
  await store.close();
});
