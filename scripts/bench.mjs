// `npm run bench`: start-up and cached-list timings of the built `cm`, as medians over repeated runs and as
// ratios against `node -e 0` measured in the same run on the same Node. Not a test: it prints figures.
//   CM_BENCH_RUNS=N   runs per command (default 21, after 3 warm-ups)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cmBin = join(root, 'bin', 'cm.js');
const runs = Number(process.env.CM_BENCH_RUNS ?? 21);
const home = mkdtempSync(join(tmpdir(), 'cm-bench-'));
const env = { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' };

function run(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/**
 * Medians of every case, measured round-robin (one run of each case per round) so that a machine getting
 * busier or quieter during the benchmark shifts the baseline and the commands alike.
 */
function medians(cases) {
  for (let i = 0; i < 3; i++) for (const [, args] of cases) run(args);
  const times = cases.map(() => []);
  for (let round = 0; round < runs; round++) cases.forEach(([, args], i) => times[i].push(run(args)));
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
}

async function seed() {
  // Through the library, so the rows get the owner scoping `cm` reads with (a bare store would write rows
  // no user sees, and the list figures would time an empty list).
  const { openCloudmesh } = await import(join(root, 'dist', 'lib', 'index.js'));
  run([cmBin, 'var', 'bench=1']);
  const cm = openCloudmesh({ home, env: { ...process.env, CLOUDMESH_HOME: home } });
  const store = await cm.store();
  const now = new Date().toISOString();
  const vms = Array.from({ length: 1000 }, (_, i) => ({
    cloud: i % 2 ? 'chameleon' : 'aws', name: `bench-${String(i).padStart(4, '0')}`, id: `id-${i}`, status: 'ACTIVE',
    image: 'ubuntu-24.04', flavor: 'm1.small', key: 'bench', group_name: 'bench', public_ip: `192.0.2.${i % 250}`,
    private_ip: `10.0.${i >> 8}.${i & 255}`, created_at: now, data: { zone: 'nova' }, source: i % 2 ? 'chameleon' : 'aws', seen_at: now,
  }));
  const jobs = Array.from({ length: 1000 }, (_, i) => ({
    cluster: 'local', id: String(100000 + i), name: `job-${i}`, state: i % 10 ? 'COMPLETED' : 'FAILED', exit_code: i % 10 ? 0 : 1,
    submitted_at: now, started_at: now, ended_at: now, dir: null, reason: null, spec: { command: ['true'] }, source: 'local', seen_at: now,
  }));
  await store.collection('vms').putMany(vms);
  await store.collection('jobs').putMany(jobs);
  await cm.close();
  // The figures mean nothing unless cm really lists what was seeded.
  for (const [args, want] of [[['vm', 'list'], 1000], [['hpc', 'status'], 1000]]) {
    const listed = JSON.parse(execFileSync(process.execPath, [cmBin, '--output', 'json', ...args], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8' })).length;
    if (listed !== want) throw new Error(`bench seed: cm ${args.join(' ')} lists ${listed} rows, not ${want}`);
  }
}

const cases = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['cm --version', [cmBin, '--version']],
  ['cm var list', [cmBin, 'var', 'list']],
  ['cm vm list (1000 cached VMs)', [cmBin, 'vm', 'list']],
  ['cm hpc status (1000 recorded jobs)', [cmBin, 'hpc', 'status']],
  ['cm vm list -o json (1000 cached VMs)', [cmBin, '--output', 'json', 'vm', 'list']],
  ['cm help', [cmBin, 'help']],
];

try {
  await seed();
  const figures = medians(cases);
  const baseline = figures[0];
  const rows = cases.map(([label], i) => [label, figures[i]]);
  console.log(`Node ${process.versions.node}, ${runs} rounds, median wall time of a fresh process (cases interleaved)\n`);
  console.log(`${'command'.padEnd(40)} ${'median ms'.padStart(10)} ${'× node'.padStart(8)}`);
  for (const [label, ms] of rows) console.log(`${label.padEnd(40)} ${ms.toFixed(1).padStart(10)} ${(ms / baseline).toFixed(2).padStart(8)}`);
  // HPC transports (issue 3): submit rates and 1000-job status calls against the real Slurm, ssh and slurmrestd.
  await (await import('./bench-hpc.mjs')).benchHpc();
  // REST server (issue 6): req/s and p99 of GET status and vm list with 1000 cached VMs on loopback.
  await (await import('./bench-server.mjs')).benchServer();
  // Clouds (issue 4): vm refresh --all over OpenStack + EC2 vs the slower alone; vm boot --n 10 vs one by one.
  await (await import('./bench-clouds.mjs')).benchClouds();
  // Containers and clusters (issue 7): cluster allocate of 10 containers vs 10 sequential docker runs; vm list --refresh with 100.
  await (await import('./bench-containers.mjs')).benchContainers();
} finally {
  rmSync(home, { recursive: true, force: true });
}
