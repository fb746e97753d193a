// Containers and clusters (issue 7), against the real Docker Engine (.ci/docker.sh), through the built `cm`:
//  - `cm cluster allocate` of 10 containers (one process, boots in parallel) against 10 sequential
//    `docker run -d` of the same image, limits and network (the docker CLI, one process per container);
//  - `cm vm list --refresh` on the docker cloud with 100 containers (one listing call), against `docker ps -a`.
// Skipped, with the reason, when the engine does not answer. Everything created here is removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cmBin = join(root, 'bin', 'cm.js');
const rounds = Number(process.env.CM_BENCH_CONTAINER_RUNS ?? 3);
const IMAGE = 'cm/busybox:local';
const NETWORK = 'cm-test-net';

function time(cmd, args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 600_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: String(result.stdout) };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

function removeByPrefix(prefix) {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `name=^${prefix}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) spawnSync('docker', ['rm', '-f', ...ids.slice(i, i + 50)], { stdio: 'ignore' });
}

function why() {
  if (!existsSync('/var/run/docker.sock')) return 'no Docker socket at /var/run/docker.sock (run .ci/docker.sh)';
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 20_000 }).status !== 0) return `no ${IMAGE} on the engine (run .ci/docker.sh)`;
  if (spawnSync('docker', ['network', 'inspect', NETWORK], { stdio: 'ignore' }).status !== 0) spawnSync('docker', ['network', 'create', NETWORK], { stdio: 'ignore' });
  return '';
}

export async function benchContainers() {
  const lines = [];
  const skip = why();
  if (skip) {
    console.log(`\nContainers: skipped (${skip})`);
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'cm-bench-containers-'));
  const env = { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' };
  const cm = (args) => time(process.execPath, [cmBin, ...args], env);
  const prefix = `cmb${process.pid}`;
  try {
    cm(['register', 'docker', 'bench', '--network', NETWORK]);
    const allocate = [];
    const sequential = [];
    for (let round = 0; round < rounds; round++) {
      const cluster = `${prefix}c${round}`;
      cm(['cluster', 'define', cluster, '--count', '10', '--cloud', 'bench', '--image', IMAGE, '--flavor', 'tiny']);
      allocate.push(cm(['cluster', 'allocate', cluster]).ms);
      cm(['cluster', 'delete', cluster]);
      let total = 0;
      // The same containers by hand: what `docker run -dit` with the flavor's limits costs, one after another.
      for (let i = 1; i <= 10; i++) {
        total += time('docker', ['run', '-dit', '--name', `${prefix}d${round}-${i}`, '--network', NETWORK, '--cpus', '0.5', '--memory', '128m', IMAGE], process.env).ms;
      }
      sequential.push(total);
      removeByPrefix(`${prefix}d${round}-`);
    }
    const [a, s] = [median(allocate), median(sequential)];
    lines.push(`cluster allocate (10 containers)        ${a.toFixed(0).padStart(7)} ms   vs 10 sequential docker run ${s.toFixed(0)} ms (${(s / a).toFixed(1)}× faster)`);

    const big = `${prefix}big`;
    cm(['cluster', 'define', big, '--count', '100', '--cloud', 'bench', '--image', IMAGE, '--flavor', 'tiny']);
    const boot100 = cm(['cluster', 'allocate', big]).ms;
    lines.push(`cluster allocate (100 containers)       ${boot100.toFixed(0).padStart(7)} ms`);
    const listed = JSON.parse(cm(['--output', 'json', 'vm', 'list', '--refresh', '--cloud', 'bench']).stdout).length;
    if (listed < 100) throw new Error(`vm list --refresh listed ${listed} containers, not >= 100`);
    const refresh = [];
    const ps = [];
    for (let i = 0; i < 7; i++) {
      refresh.push(cm(['vm', 'list', '--refresh', '--cloud', 'bench']).ms);
      ps.push(time('docker', ['ps', '-a'], process.env).ms);
    }
    lines.push(`vm list --refresh (${listed} containers)     ${median(refresh).toFixed(0).padStart(7)} ms   (docker ps -a: ${median(ps).toFixed(0)} ms; median of 7)`);
    cm(['cluster', 'delete', big]);
  } finally {
    removeByPrefix(prefix);
    rmSync(home, { recursive: true, force: true });
  }
  console.log(`\nContainers (Docker Engine on its unix socket): median of ${rounds} rounds, wall time of processes\n`);
  for (const line of lines) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchContainers();
