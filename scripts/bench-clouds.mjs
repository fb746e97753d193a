// Clouds (issue 4), against the real backends when they answer, through the built `cm`:
//  - `vm refresh --all` across the test OpenStack and moto's EC2, as a ratio to the slower of the two
//    refreshed alone (goal <= 1.2: the clouds are asked at once, so "all" costs the slowest, not the sum);
//  - `vm boot --n 10` against the same 10 boots done one by one (one `cm vm boot` each), on moto and Docker.
// A backend that does not answer is reported as skipped with the reason. Every VM booted here is deleted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cmBin = join(root, 'bin', 'cm.js');
const backends = process.env.CM_BACKENDS || '/tmp/cm-backends';
const openrc = join(backends, 'openstack', 'adminrc');
const rounds = Number(process.env.CM_BENCH_CLOUD_RUNS ?? 7);

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function dockerUp() {
  if (!existsSync('/var/run/docker.sock')) return false;
  return spawnSync('docker', ['image', 'inspect', 'cm/busybox:local'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

function makeHome(clouds) {
  const home = mkdtempSync(join(tmpdir(), 'cm-bench-clouds-'));
  const user = join(home, 'user');
  mkdirSync(join(user, '.aws'), { recursive: true });
  writeFileSync(join(user, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIDCMBENCH\naws_secret_access_key = cm-bench-secret\n', { mode: 0o600 });
  const entries = {
    os: `  os:\n    kind: openstack\n    settings:\n      openrc: ${openrc}\n    default:\n      image: tiny\n      flavor: m1.tiny\n      network: net1\n`,
    moto: `  moto:\n    kind: aws\n    settings:\n      region: us-east-1\n      endpoint: http://127.0.0.1:5000\n    default:\n      image: ami-03cf127a\n      flavor: t2.micro\n`,
    dock: `  dock:\n    kind: docker\n    default:\n      image: "cm/busybox:local"\n      flavor: tiny\n`,
  };
  writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\nprofile:\n  user: bench${process.pid}\nclouds:\n${clouds.map((c) => entries[c]).join('')}`, { mode: 0o600 });
  return { home, env: { ...process.env, CLOUDMESH_HOME: home, HOME: user, NO_COLOR: '1' } };
}

function cm(env, args, { check = true } = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cmBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 600_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (check && result.status !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

export async function benchRefresh(lines) {
  const why = !existsSync(openrc) ? `no ${openrc}` : !(await answers('http://127.0.0.1:5100/v3')) ? 'Keystone does not answer' : !(await answers('http://127.0.0.1:5000/moto-api/')) ? 'moto does not answer' : '';
  if (why) return lines.push(`vm refresh --all (OpenStack + EC2): skipped (${why})`);
  const { home, env } = makeHome(['os', 'moto']);
  try {
    // A few VMs on each, so each listing has something to page through and write.
    cm(env, ['vm', 'boot', '--cloud', 'os', '--n', '3']);
    cm(env, ['vm', 'boot', '--cloud', 'moto', '--n', '3']);
    const cases = [['os', ['vm', 'refresh', '--cloud', 'os']], ['moto', ['vm', 'refresh', '--cloud', 'moto']], ['all', ['vm', 'refresh', '--all']]];
    for (const [, args] of cases) cm(env, args); // warm-up: token cached, compile cache filled
    const times = { os: [], moto: [], all: [] };
    for (let i = 0; i < rounds; i++) for (const [key, args] of cases) times[key].push(cm(env, args));
    const [os, moto, all] = [median(times.os), median(times.moto), median(times.all)];
    lines.push(`vm refresh --cloud os (OpenStack)      ${os.toFixed(0).padStart(7)} ms`);
    lines.push(`vm refresh --cloud moto (EC2)          ${moto.toFixed(0).padStart(7)} ms`);
    lines.push(`vm refresh --all (both at once)        ${all.toFixed(0).padStart(7)} ms   ${(all / Math.max(os, moto)).toFixed(2)} × the slower cloud alone (goal <= 1.2; sum would be ${((os + moto) / Math.max(os, moto)).toFixed(2)})`);
  } finally {
    cm(env, ['vm', 'delete', 'bench*'], { check: false });
    rmSync(home, { recursive: true, force: true });
  }
}

function benchBoot(lines, cloud) {
  const { home, env } = makeHome([cloud]);
  try {
    cm(env, ['vm', 'refresh', '--cloud', cloud]); // warm-up: catalog and provider
    cm(env, ['image', 'refresh', '--cloud', cloud]);
    const together = cm(env, ['vm', 'boot', '--cloud', cloud, '--n', '10']);
    cm(env, ['vm', 'delete', 'bench*']);
    let oneByOne = 0;
    for (let i = 0; i < 10; i++) oneByOne += cm(env, ['vm', 'boot', '--cloud', cloud]);
    cm(env, ['vm', 'delete', 'bench*']);
    lines.push(`vm boot --n 10 on ${cloud.padEnd(5)}               ${together.toFixed(0).padStart(7)} ms   vs 10 boots one by one ${oneByOne.toFixed(0)} ms (${(oneByOne / together).toFixed(1)}× faster)`);
  } finally {
    cm(env, ['vm', 'delete', 'bench*'], { check: false });
    rmSync(home, { recursive: true, force: true });
  }
}

export async function benchClouds() {
  const lines = [];
  await benchRefresh(lines);
  if (await answers('http://127.0.0.1:5000/moto-api/')) benchBoot(lines, 'moto');
  else lines.push('vm boot --n 10 on moto: skipped (moto does not answer at 127.0.0.1:5000)');
  if (dockerUp()) benchBoot(lines, 'dock');
  else lines.push('vm boot --n 10 on docker: skipped (no Docker Engine with cm/busybox:local)');
  console.log(`\nClouds: median of ${rounds} rounds (refresh), one run each (boots), wall time of \`cm\` processes\n`);
  for (const line of lines) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchClouds();
