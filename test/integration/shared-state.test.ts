// Shared state across machines (issue 5, item 7), through the real `cm`: three homes point at one
// PostgreSQL (and one MariaDB) database. Two are the same profile user (a laptop and a login node): they
// see each other's defaults, variables, groups, VMs and shared-cluster jobs, but not each other's `local`
// jobs (numbered per home; another home must neither show nor poll them). The third is another user: she
// sees none of it, and her writes to the same names change nothing of his. Skipped when a server is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, tempHome } from '../helpers.ts';
import { scratchDatabases } from '../support/scratch-databases.ts';
import { openStore } from '../../src/store/registry.ts';
import { scopeFor } from '../../src/store/scope.ts';
import { SAMPLES } from '../contracts/store.samples.ts';

const name = `cm_shared_${process.pid}_${Date.now().toString(36)}`;
const servers = scratchDatabases(name, { password: 'not-a-real-secret' });

/** A home whose cloudmesh.yaml names `user` and the shared database (URL through the environment). */
async function home(user: string, backend: string): Promise<string> {
  const dir = tempHome(`cm-shared-${user}-`);
  await cm(dir, ['config', 'path']);
  writeFileSync(join(dir, 'cloudmesh.yaml'), `version: 1\nprofile:\n  user: ${user}\ndatabase:\n  backend: ${backend}\n  url: env:CM_TEST_DB_URL\n`, { mode: 0o600 });
  return dir;
}

type Row = Record<string, unknown>;

for (const server of servers) {
  test(`two homes of one user share state in ${server.backend}; another user sees none of it`, { skip: server.up ? false : `${server.backend} is not running on 127.0.0.1`, timeout: 180_000 }, async () => {
    assert.equal(server.create().status, 0, `could not create database ${name}`);
    const env = { CM_TEST_DB_URL: server.url };
    try {
      const [laptop, login, other] = [await home('alice', server.backend), await home('alice', server.backend), await home('bob', server.backend)];
      const run = async (dir: string, args: string[]) => {
        const result = await cm(dir, args, { env });
        assert.equal(result.code, 0, `cm ${args.join(' ')}: ${result.stderr}`);
        return result;
      };
      const json = <T>(dir: string, args: string[]) => cmJson<T>(dir, args, { env });

      await run(laptop, ['default', 'image=ubuntu-24.04']);
      await run(laptop, ['var', 'data=/scratch/alice']);
      await run(laptop, ['group', 'add', 'vm-1', '--group', 'web']);
      const local = await json<{ id: string }>(laptop, ['hpc', 'run', 'true']);
      // A VM and a job of a shared cluster, as a refresh on the laptop would have cached them.
      const laptopStore = await openStore({ backend: server.backend, url: server.url }, laptop, env, scopeFor({ profile: { user: 'alice' }, clusters: {} }, laptop, env));
      try {
        await laptopStore.collection('vms').put({ ...SAMPLES.vms(1), cloud: 'chi', name: 'alice-001' });
        await laptopStore.collection('jobs').put({ ...SAMPLES.jobs(2), cluster: 'hpc', id: '4711', state: 'RUNNING' });
      } finally {
        await laptopStore.close();
      }

      // The same user on another machine sees all of it, except the laptop's local job.
      assert.equal((await json<Row>(login, ['default', 'image'])).value, 'ubuntu-24.04');
      assert.equal((await json<Row>(login, ['var', 'data'])).value, '/scratch/alice');
      assert.ok(JSON.stringify(await json<Row[]>(login, ['group', 'list'])).includes('vm-1'), 'the group is shared');
      assert.deepEqual((await json<Row[]>(login, ['vm', 'list'])).map((vm) => vm.name), ['alice-001']);
      const jobs = await json<Row[]>(login, ['status']);
      assert.ok(jobs.some((row) => row.id === '4711'), `the hpc job is seen from the login node: ${JSON.stringify(jobs)}`);
      assert.ok(!jobs.some((row) => row.id === local.id && row.cluster === 'local'), 'the laptop\'s local job is not');
      // The login node's own local job gets the same number as the laptop's: a different job, no collision.
      const own = await json<{ id: string }>(login, ['hpc', 'run', 'true']);
      assert.equal(own.id, local.id, 'local ids are numbered per home');
      assert.deepEqual((await json<Row[]>(laptop, ['hpc', 'status', '--cluster', 'local'])).filter((j) => j.cluster === 'local').map((j) => j.id), [local.id]);
      assert.deepEqual((await json<Row[]>(login, ['hpc', 'status', '--cluster', 'local'])).filter((j) => j.cluster === 'local').map((j) => j.id), [own.id]);

      // Another user: nothing of alice's, and the same names stay apart.
      const info = await json<Row>(other, ['db', 'info']);
      assert.deepEqual([info.user, info.rows_vars, info.rows_defaults, info.rows_vms], ['bob', 0, 0, 0], 'db info counts bob\'s rows');
      assert.deepEqual([(await json<Row>(login, ['db', 'info'])).user, (await json<Row>(login, ['db', 'info'])).rows_vars], ['alice', 1]);
      assert.equal((await cm(other, ['default', 'image'], { env })).code, 1, 'bob has no default image');
      assert.deepEqual(await json<Row[]>(other, ['vm', 'list']), []);
      assert.deepEqual(await json<Row[]>(other, ['status']), []);
      await run(other, ['default', 'image=debian-12']);
      await run(other, ['var', 'data=/scratch/bob']);
      assert.equal((await json<Row>(other, ['default', 'image'])).value, 'debian-12');
      assert.equal((await json<Row>(laptop, ['default', 'image'])).value, 'ubuntu-24.04', 'bob did not overwrite alice\'s default');
      assert.equal((await json<Row>(login, ['var', 'data'])).value, '/scratch/alice');
      await run(other, ['var', 'delete', 'data']);
      assert.equal((await json<Row>(laptop, ['var', 'data'])).value, '/scratch/alice', 'bob\'s delete stayed in his rows');
    } finally {
      server.drop();
    }
  });
}
