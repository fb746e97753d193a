// `cm` with its state in PostgreSQL or MariaDB instead of SQLite, chosen in cloudmesh.yaml with the URL as
// an env: secret: the same commands work, `db info` names the backend with the password masked, and two
// homes pointing at one database see the same state. Skipped (with the reason) when a server is not up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { cm, cmJson, tempHome } from '../helpers.ts';
import { scratchDatabases } from '../support/scratch-databases.ts';

const name = `cm_cli_${process.pid}_${Date.now().toString(36)}`;
const servers = scratchDatabases(name, { password: 'not-a-real-secret' });

for (const server of servers) {
  test(`state in ${server.backend}: commands, db info, and two homes sharing it`, { skip: server.up ? false : `${server.backend} is not running on 127.0.0.1` }, async () => {
    assert.equal(server.create().status, 0, `could not create database ${name}`);
    try {
      const homes = [tempHome(), tempHome()];
      for (const home of homes) {
        await cm(home, ['config', 'path']);
        writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: ${server.backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
      }
      const env = { CM_TEST_DB_URL: server.url };
      assert.equal((await cm(homes[0]!, ['var', 'shared=from-home-0'], { env })).code, 0);
      assert.equal((await cmJson<{ value: string }>(homes[1]!, ['var', 'shared'], { env })).value, 'from-home-0');
      const job = await cmJson<{ id: string }>(homes[0]!, ['hpc', 'run', 'true'], { env });
      assert.ok((await cmJson<{ id: string }[]>(homes[0]!, ['hpc', 'status'], { env })).some((j) => j.id === job.id));
      const info = await cmJson<Record<string, unknown>>(homes[1]!, ['db', 'info'], { env });
      assert.equal(info.backend, server.backend);
      assert.equal(info.schema_version, info.latest_schema_version);
      assert.doesNotMatch(JSON.stringify(info), /not-a-real-secret/);
      const missing = await cm(homes[0]!, ['var', 'list'], { env: {} });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /environment variable CM_TEST_DB_URL is not set/);
    } finally {
      server.drop();
    }
  });
}

for (const server of servers) {
  test(`8 concurrent cm processes × 25 writes each against ${server.backend}: all 200 rows and 200 audit entries arrive`, { skip: server.up ? false : `${server.backend} is not running on 127.0.0.1`, timeout: 180_000 }, async (t) => {
    assert.equal(server.create().status, 0, `could not create database ${name}`);
    try {
      const home = tempHome();
      await cm(home, ['config', 'path']);
      writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\ndatabase:\n  backend: ${server.backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
      const env = { CM_TEST_DB_URL: server.url };
      // Migrated once first, so the timing is of the writes.
      assert.equal((await cm(home, ['db', 'info'], { env })).code, 0);
      const scripts = Array.from({ length: 8 }, (_, p) => {
        const file = join(home, `writer-${p}.cm`);
        writeFileSync(file, Array.from({ length: 25 }, (_, w) => `var p${p}_w${w}=value-${p}-${w}`).join('\n') + '\n');
        return file;
      });
      const started = performance.now();
      const results = await Promise.all(scripts.map((file) => cm(home, [file], { env, timeoutMs: 150_000 })));
      const ms = Math.round(performance.now() - started);
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const vars = await cmJson<{ name: string; value: string }[]>(home, ['var', 'list'], { env });
      const expected = Array.from({ length: 8 }, (_, p) => Array.from({ length: 25 }, (_, w) => `p${p}_w${w}=value-${p}-${w}`)).flat().sort();
      assert.deepEqual(vars.map((v) => `${v.name}=${v.value}`).sort(), expected, 'all 200 variables, none lost');
      assert.equal((await cmJson<unknown[]>(home, ['audit', 'list', '--limit', '1000'], { env })).length, 200, 'every write audited');
      t.diagnostic(`${server.backend}: 8 cm processes × 25 writes (each with its audit entry) in ${ms} ms, 0 lost`);
    } finally {
      server.drop();
    }
  });
}
