// Jobs on the built-in local cluster through the real binary: submit, status, output, kill, cm status,
// and user text with shell syntax that must stay text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';

interface JobRow {
  cluster: string;
  id: string;
  name: string;
  state: string;
  exit_code: number | null;
  started_at: string | null;
  ended_at: string | null;
}

async function finished(home: string, id: string): Promise<JobRow> {
  return eventually(async () => {
    const [row] = await cmJson<JobRow[]>(home, ['hpc', 'status', id]);
    return row && ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(row.state) ? row : undefined;
  }, 15_000, `job ${id} to finish`);
}

test('hpc run → status → output → cm status, on the local cluster', async () => {
  const home = tempHome();
  const job = await cmJson<JobRow>(home, ['hpc', 'run', '--name', 'hello', 'echo', 'hello', 'world']);
  assert.equal(job.cluster, 'local');
  assert.match(job.id, /^\d+$/);
  const done = await finished(home, job.id);
  assert.equal(done.state, 'COMPLETED');
  assert.equal(done.exit_code, 0);
  assert.ok(done.started_at && done.ended_at);
  assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, 'hello world\n');
  const status = await cmJson<{ kind: string; where: string; id: string; state: string; source: string; age: string }[]>(home, ['status']);
  assert.deepEqual(status.map((r) => [r.kind, r.where, r.id, r.state, r.source]), [['job', 'local', job.id, 'COMPLETED', 'local']]);
  assert.match(status[0]!.age, /^\d+[smhd]$/);
  const table = await cm(home, ['status']);
  assert.match(table.stdout, /^kind\s+where\s+id\s+name\s+state\s+detail\s+source\s+age\n/);
});

test('a failing job is FAILED with its exit code; kill cancels a running one; --dry-run changes nothing', async () => {
  const home = tempHome();
  const bad = await cmJson<JobRow>(home, ['hpc', 'run', '--shell', 'exit 3']);
  assert.deepEqual([(await finished(home, bad.id)).state, (await finished(home, bad.id)).exit_code], ['FAILED', 3]);
  const long = await cmJson<JobRow>(home, ['hpc', 'run', 'sleep', '30']);
  await eventually(async () => ((await cmJson<JobRow[]>(home, ['hpc', 'status', long.id]))[0]?.state === 'RUNNING' ? true : undefined));
  const dry = await cm(home, ['hpc', 'kill', long.id, '--dry-run']);
  assert.equal(dry.code, 0);
  assert.match(dry.stdout, /would cancel/);
  assert.equal((await cmJson<JobRow[]>(home, ['hpc', 'status', long.id]))[0]!.state, 'RUNNING');
  const queue = await cmJson<{ id: string }[]>(home, ['hpc', 'queue']);
  assert.ok(queue.some((q) => q.id === long.id));
  const kill = await cm(home, ['hpc', 'kill', long.id, '999']);
  assert.equal(kill.code, 1, 'one of two could not be cancelled');
  assert.match(kill.stderr, /1 of 2 could not be cancelled/);
  assert.equal((await finished(home, long.id)).state, 'CANCELLED');
});

test('job names and commands with quotes, ;, $(...), backticks and newlines stay literal', async () => {
  const home = tempHome();
  const marker = join(home, 'PWNED');
  const name = `n"a'me; $(touch ${marker}) \`touch ${marker}\``;
  const args = [`it's "quoted"`, `a; touch ${marker}`, `$(touch ${marker})`, 'line1\nline2'];
  const job = await cmJson<JobRow>(home, ['hpc', 'run', '--name', name, 'printf', '%s|', ...args]);
  assert.equal(job.name, name);
  await finished(home, job.id);
  assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, args.map((a) => `${a}|`).join(''));
  // The same through a script line, where cm itself splits the words.
  const script = join(home, 'inject.cm');
  writeFileSync(script, `hpc run --name "x; touch ${marker}" echo "$(touch ${marker})" 'a;b'\n`);
  assert.equal((await cm(home, [script])).code, 0);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(existsSync(marker), false, 'nothing was executed by a shell');
});

test('a script file is copied and run as the job', async () => {
  const home = tempHome();
  const script = join(home, 'job.sh');
  writeFileSync(script, '#!/bin/sh\necho "from script $CM_JOB_ID"\n', { mode: 0o755 });
  const job = await cmJson<JobRow>(home, ['hpc', 'run', script]);
  await finished(home, job.id);
  assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, `from script ${job.id}\n`);
  const info = await cmJson<{ partition: string; nodes: number }[]>(home, ['hpc', 'info']);
  assert.equal(info[0]!.partition, 'local');
});

test('hpc output --follow streams until the job ends', async () => {
  const home = tempHome();
  const job = await cmJson<JobRow>(home, ['hpc', 'run', '--shell', 'for i in 1 2 3; do echo tick $i; sleep 0.3; done']);
  const follow = await cm(home, ['hpc', 'output', job.id, '--follow']);
  assert.equal(follow.code, 0);
  assert.equal(follow.stdout, 'tick 1\ntick 2\ntick 3\n');
});

test('the local cluster refuses requests it cannot honour instead of ignoring them', async () => {
  const home = tempHome();
  for (const options of [['--mem', '1G'], ['--nodes', '2'], ['--array', '1-3'], ['--partition', 'gpu']]) {
    const result = await cm(home, ['hpc', 'run', ...options, 'true']);
    assert.equal(result.code, 1, options.join(' '));
    assert.match(result.stderr, /^error: the local cluster /, options.join(' '));
  }
  assert.equal((await cmJson<unknown[]>(home, ['hpc', 'status'])).length, 0, 'nothing was submitted');
});

test('hpc status of unknown ids is a clear error; a cluster that does not exist too', async () => {
  const home = tempHome();
  const unknown = await cm(home, ['hpc', 'status', '42']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no tracked job 42 on local/);
  const cluster = await cm(home, ['hpc', 'run', '--cluster', 'locl', 'true']);
  assert.equal(cluster.code, 1);
  assert.match(cluster.stderr, /no cluster named "locl" \(did you mean "local"\?\)/);
  assert.equal(readFileSync(join(home, 'audit.log'), 'utf8').includes('"exit_code":1'), true, 'failed changes are audited too');
});

test('a backend failure is one line with its cause; --debug adds the stack', async () => {
  const home = tempHome();
  await cm(home, ['var', 'a=1']);
  writeFileSync(join(home, 'jobs'), 'not a directory');
  const plain = await cm(home, ['hpc', 'run', 'true']);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^error: local: create the jobs directory .* failed\ncaused by: EEXIST/);
  assert.doesNotMatch(plain.stderr, /\n\s+at /);
  const debug = await cm(home, ['--debug', 'hpc', 'run', 'true']);
  assert.match(debug.stderr, /BackendError: local: create the jobs directory[\s\S]*\n\s+at /);
});
