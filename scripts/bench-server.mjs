// REST figures for `npm run bench` (issue 6): requests per second and latency percentiles of
// `GET /api/status` and `GET /api/vm/list` with 1000 cached VMs, against the built `cm server start` on
// loopback, driven by a small keep-alive load generator in this process (the server is its own process,
// so each gets one of the two cores). Each endpoint is measured with a plain JSON body and with gzip
// (what a browser asks for; the generator counts bytes without inflating them, like wrk).
//   CM_BENCH_SECONDS=N      seconds per case (default 5)
//   CM_BENCH_CONNECTIONS=N  concurrent keep-alive connections (default 16)
import { spawn, spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cmBin = join(root, 'bin', 'cm.js');
const seconds = Number(process.env.CM_BENCH_SECONDS ?? 5);
const connections = Number(process.env.CM_BENCH_CONNECTIONS ?? 16);

async function seed(home) {
  // Through the library, so the rows get the same owner scoping the server's own context reads with.
  const { openCloudmesh } = await import(join(root, 'dist', 'lib', 'index.js'));
  const cm = openCloudmesh({ home, env: { ...process.env, CLOUDMESH_HOME: home } });
  const store = await cm.store();
  const now = new Date().toISOString();
  await store.collection('vms').putMany(Array.from({ length: 1000 }, (_, i) => ({
    cloud: i % 2 ? 'chameleon' : 'aws', name: `bench-${String(i).padStart(4, '0')}`, id: `id-${i}`, status: 'ACTIVE',
    image: 'ubuntu-24.04', flavor: 'm1.small', key: 'bench', group_name: 'bench', public_ip: `192.0.2.${i % 250}`,
    private_ip: `10.0.${i >> 8}.${i & 255}`, created_at: now, data: { zone: 'nova' }, source: i % 2 ? 'chameleon' : 'aws', seen_at: now,
  })));
  await cm.close();
}

function startServer(home) {
  const child = spawn(process.execPath, [cmBin, 'server', 'start', '--port', '0'], { env: { ...process.env, CLOUDMESH_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /on http:\/\/localhost:(\d+)\//.exec(stderr);
      if (match) {
        clearInterval(timer);
        resolve({ child, port: Number(match[1]) });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`cm server start exited: ${stderr}`));
      }
    }, 50);
  });
}

/** Closed-loop load: `connections` clients each sending the next request when the last one is answered. */
async function load(port, path, headers) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let bytes = 0;
  let failures = 0;
  const one = () => new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host: `localhost:${port}`, ...headers } }, (res) => {
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => {
        if (res.statusCode !== 200) failures++;
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        resolve();
      });
    });
    req.on('error', () => {
      failures++;
      resolve();
    });
    req.end();
  });
  const run = async (ms) => {
    const until = Date.now() + ms;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (Date.now() < until) await one();
    }));
  };
  await run(1000); // warm-up: connections open, JIT warm, the server's read cache filled
  latencies.length = 0;
  bytes = 0;
  const started = Date.now();
  await run(seconds * 1000);
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
  return { rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), kb: bytes / Math.max(1, latencies.length) / 1024, failures };
}

export async function benchServer() {
  const home = mkdtempSync(join(tmpdir(), 'cm-bench-server-'));
  let server;
  try {
    await seed(home);
    server = await startServer(home);
    const token = spawnSync(process.execPath, [cmBin, 'server', 'token'], { env: { ...process.env, CLOUDMESH_HOME: home }, encoding: 'utf8' }).stdout.trim();
    const auth = { authorization: `Bearer ${token}` };
    console.log(`\nREST on loopback (cm server start), ${connections} keep-alive connections, ${seconds} s per case, 1000 cached VMs`);
    console.log(`${'request'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'KB/resp'.padStart(8)}`);
    for (const [label, path, extra] of [
      ['GET /api/status', '/api/status', {}],
      ['GET /api/status (gzip)', '/api/status', { 'accept-encoding': 'gzip' }],
      ['GET /api/vm/list', '/api/vm/list', {}],
      ['GET /api/vm/list (gzip)', '/api/vm/list', { 'accept-encoding': 'gzip' }],
    ]) {
      const r = await load(server.port, path, { ...auth, ...extra });
      const note = r.failures ? `  (${r.failures} failed)` : '';
      console.log(`${label.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.kb.toFixed(1).padStart(8)}${note}`);
    }
  } finally {
    if (server) {
      server.child.kill('SIGINT');
      await new Promise((resolve) => (server.child.exitCode !== null ? resolve() : server.child.once('exit', resolve)));
    }
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchServer();
