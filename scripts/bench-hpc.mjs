// HPC figures for `npm run bench` (issue 3): submits per second through the Slurm adapter over one reused
// ssh connection and through slurmrestd, as ratios to the same number of direct `sbatch` calls on this host;
// and the time of one status call for 1000 tracked jobs (a 1000-task array), per transport, plus `cm hpc
// status` of 1000 recorded jobs on an ssh cluster as a fresh process. Needs the backends of .ci/slurm.sh and
// .ci/ssh.sh; prints why it skips otherwise. Every job waits on a held blocker and is cancelled at the end,
// so the benchmark does not load the machine with 500 running jobs a round (Slurm keeps the cancelled
// records for MinJobAge, 300 s by default, which slows squeue meanwhile).
// Run alone with `node scripts/bench-hpc.mjs`.
//   CM_BENCH_SUBMITS=N     jobs per submit case (default 100)
//   CM_BENCH_HPC_ROUNDS=N  rounds of all submit cases, reported as medians (default 3)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.CM_BENCH_SUBMITS ?? 100);
const ROUNDS = Number(process.env.CM_BENCH_HPC_ROUNDS ?? 3);
const sshDir = join(process.env.CM_BACKENDS ?? '/tmp/cm-backends', 'sshd');
const endpoint = { host: '127.0.0.1', port: 2222, user: 'hpcuser', key: join(sshDir, 'client_ed25519'), knownHosts: [join(sshDir, 'known_hosts')] };
const restUrl = process.env.CM_SLURMRESTD_URL ?? 'http://127.0.0.1:6820';

const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...opts });
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchHpc() {
  if (!/is UP/.test(sh('scontrol', ['ping']).stdout ?? '')) return console.log('\nHPC: skipped (no Slurm; run .ci/slurm.sh)');
  const { createSshTransport } = await import(join(root, 'src/transport/ssh.ts'));
  const { sshConnectCount } = await import(join(root, 'src/transport/ssh-pool.ts'));
  const { createLocalTransport } = await import(join(root, 'src/transport/local.ts'));
  const { createSlurmScheduler } = await import(join(root, 'src/providers/hpc/slurm/index.ts'));
  const { createSlurmRestScheduler } = await import(join(root, 'src/providers/hpc/slurm/rest.ts'));
  const jwt = /SLURM_JWT=(\S+)/.exec(sh('scontrol', ['token', 'username=hpcuser', 'lifespan=3600']).stdout ?? '')?.[1];
  const blocker = sh('runuser', ['-u', 'hpcuser', '--', 'sbatch', '--parsable', '--hold', '--job-name=cm-bench-blocker', '--wrap', 'true']).stdout.trim();
  const rootBlocker = sh('sbatch', ['--parsable', '--hold', '--job-name=cm-bench-blocker', '--wrap', 'true']).stdout.trim();
  const workdir = `cm-bench-${randomBytes(4).toString('hex')}`;
  const localWork = mkdtempSync(join(tmpdir(), 'cm-bench-slurm-'));
  const ids = { root: [rootBlocker], hpcuser: [blocker] };
  const open = [];
  try {
    const submitAll = async (scheduler, who, concurrency = 1) => {
      const dep = who === 'root' ? rootBlocker : blocker;
      let next = 0;
      const t = process.hrtime.bigint();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < N) {
          next += 1;
          ids[who].push((await scheduler.submit({ command: ['true'], dependency: `afterok:${dep}` })).id);
        }
      }));
      return N / seconds(t);
    };
    // Direct sbatch, N processes, as root on this host: the floor any client pays per job.
    const cases = [[`${N} direct sbatch calls on this host`, async () => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < N; i++) ids.root.push(sh('sbatch', ['--parsable', `--dependency=afterok:${rootBlocker}`, '--wrap', 'true']).stdout.trim());
      return N / seconds(t);
    }]];
    const local = createSlurmScheduler({ cluster: 'bench-local', transport: createLocalTransport(), workdir: localWork });
    open.push(local);
    cases.push([`${N} cm submits, local transport`, () => submitAll(local, 'root')]);
    let ssh = null;
    const before = sshConnectCount();
    if (spawnSync('test', ['-f', endpoint.key]).status === 0) {
      ssh = createSlurmScheduler({ cluster: 'bench-ssh', transport: createSshTransport(endpoint), workdir });
      open.push(ssh);
      cases.push([`${N} cm submits over one ssh connection`, () => submitAll(ssh, 'hpcuser')]);
      cases.push([`${N} cm submits over one ssh connection, 6 at a time`, () => submitAll(ssh, 'hpcuser', 6)]);
    }
    let rest = null;
    if (jwt) {
      process.env.CM_BENCH_JWT = jwt;
      const config = { scheduler: 'slurm', transport: 'rest', url: restUrl, token: 'env:CM_BENCH_JWT', user: 'hpcuser', ...endpoint, known_hosts: endpoint.knownHosts[0], workdir };
      rest = await createSlurmRestScheduler({ cluster: 'bench-rest', config, home: root, workdir });
      open.push(rest);
      cases.push([`${N} cm submits through slurmrestd (files over ssh)`, () => submitAll(rest, 'hpcuser')]);
    }
    // Round-robin, as bench.mjs does: a machine getting busier or quieter shifts every case alike, and
    // each case's ratio is taken against the direct sbatch calls of its own round. The status figures are
    // taken after the first round, so the controller holds as many jobs as with one round.
    const rates = cases.map(() => []);
    const ratios = cases.map(() => []);
    const statusLines = [];
    for (let round = 0; round < ROUNDS; round++) {
      const got = [];
      for (const [, run] of cases) got.push(await run());
      got.forEach((rate, i) => {
        rates[i].push(rate);
        ratios[i].push(rate / got[0]);
      });
      if (round === 0) statusLines.push(...(await statusFigures({ ssh, rest, local, blocker, ids })));
    }
    const connections = sshConnectCount() - before;
    for (const scheduler of open.splice(0)) await scheduler.close();
    console.log(`\nHPC (Slurm 22.05 on this host; ssh to hpcuser@127.0.0.1:2222; slurmrestd ${restUrl})\n`);
    console.log(`${`submits (median of ${ROUNDS} rounds)`.padEnd(52)} ${'jobs/s'.padStart(8)} ${'× direct'.padStart(9)}`);
    cases.forEach(([label], i) => {
      console.log(`${label.padEnd(52)} ${median(rates[i]).toFixed(1).padStart(8)} ${median(ratios[i]).toFixed(2).padStart(9)}`);
    });
    if (ssh) console.log(`  (ssh connections opened: ${connections})`);
    console.log(`\n${'one status call for 1000 tracked jobs'.padEnd(52)} ${'ms'.padStart(8)} ${'known'.padStart(9)}`);
    for (const line of statusLines) console.log(line);
  } finally {
    for (const scheduler of open) await scheduler.close().catch(() => undefined);
    for (const [who, list] of Object.entries(ids)) {
      const args = ['scancel', ...list.filter(Boolean)];
      if (who === 'root') sh(args[0], args.slice(1));
      else sh('runuser', ['-u', 'hpcuser', '--', ...args]);
    }
    sh('ssh', ['-i', endpoint.key, '-o', `UserKnownHostsFile=${endpoint.knownHosts[0]}`, '-o', 'BatchMode=yes', '-p', '2222', 'hpcuser@127.0.0.1', 'rm', '-rf', workdir]);
    rmSync(localWork, { recursive: true, force: true });
  }
}

/** One status call for the 1000 tasks of an array, per transport, and `cm hpc status` as a process. */
async function statusFigures({ ssh, rest, local, blocker, ids }) {
  const row = (label, ms, known) => `${label.padEnd(52)} ${ms.toFixed(0).padStart(8)} ${String(known).padStart(9)}`;
  const timed = async (scheduler, arrayId) => {
    const start = process.hrtime.bigint();
    const states = await scheduler.status(Array.from({ length: 1000 }, (_, i) => `${arrayId}_${i + 1}`));
    return [seconds(start) * 1000, states.filter((s) => s.state !== 'UNKNOWN').length];
  };
  const lines = [];
  for (const [scheduler, label] of [[ssh, 'ssh transport (one squeue over the connection)'], [rest, 'slurmrestd (one GET /jobs)']]) {
    if (!scheduler) continue;
    const array = await scheduler.submit({ command: ['true'], array: '1-1000', dependency: `afterok:${blocker}` });
    ids.hpcuser.push(array.id);
    lines.push(row(label, ...(await timed(scheduler, array.id))));
  }
  const lastArray = ids.hpcuser.at(-1);
  lines.unshift(row('local transport (squeue here)', ...(await timed(local, lastArray))));
  lines.push(await cliStatus(lastArray));
  return lines;
}

/** `cm hpc status` as a fresh process over ssh, with 1000 recorded jobs (the tasks of one array). */
async function cliStatus(arrayId) {
  const home = mkdtempSync(join(tmpdir(), 'cm-bench-hpc-'));
  const env = { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' };
  const cm = (args) => spawnSync(process.execPath, [join(root, 'bin', 'cm.js'), ...args], { env, encoding: 'utf8' });
  try {
    const reg = cm(['register', 'hpc', 'b', '--host', endpoint.host, '--port', '2222', '--user', 'hpcuser', '--key', endpoint.key, '--known-hosts', endpoint.knownHosts[0], '--no-check']);
    if (reg.status !== 0) return `cm hpc status: skipped (${reg.stderr.trim()})`;
    const { openSqliteStore } = await import(join(root, 'dist', 'lib', 'index.js'));
    const store = await openSqliteStore({ path: join(home, 'cloudmesh.db') });
    const now = new Date(Date.now() - 3_600_000).toISOString();
    await store.collection('jobs').putMany(Array.from({ length: 1000 }, (_, i) => ({
      cluster: 'b', id: `${arrayId}_${i + 1}`, name: 'bench', state: 'PENDING', exit_code: null, submitted_at: now, started_at: null,
      ended_at: null, dir: null, reason: null, spec: { command: ['true'] }, source: 'b', seen_at: now,
    })));
    await store.close();
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const result = cm(['--output', 'json', 'hpc', 'status']);
      times.push(seconds(t) * 1000);
      if (result.status !== 0) throw new Error(result.stderr);
    }
    times.sort((a, b) => a - b);
    return `${'cm hpc status, 1000 jobs on an ssh cluster (process)'.padEnd(52)} ${times[2].toFixed(0).padStart(8)} ${'1000'.padStart(9)}`;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchHpc();
