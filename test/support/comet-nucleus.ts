/**
 * @module test/support/comet-nucleus
 * A loopback stand-in for SDSC Comet's nucleus API, for tests only: Comet cannot be reached from here. It
 * follows the calls and response conventions the original client documents (cloudmesh-inventory §6):
 * HMAC HTTP-Signature API keys, `rest-auth/login/` tokens, `getkey` with HTTP Basic, 201 + Location for
 * asynchronous operations (polled until the body has no `status`), 303 for consoles, `{error}` on 4xx.
 * It records every request so tests can check what the client sent.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NucleusRequest { method: string; path: string; query: Record<string, string>; body: unknown; auth: 'apikey' | 'token' | 'basic' | 'none' }

export const NUCLEUS = { username: 'ada', password: 'pw', otp: '123456', apiKey: 'key-ada', apiSecret: 'very-secret-hmac', token: 'tok-ada' };

function node(name: string, mac: string, extra: Record<string, unknown> = {}) {
  return { name, state: 'nostate', type: 'VM', cluster: 'vc2', host: null, cpus: 24, memory: 122880, disksize: 35, ip: null, interface: [{ mac, ip: null }], active_computeset: null, active_computeset_state: null, ...extra };
}

/** Start the server on 127.0.0.1; `close()` stops it. */
export async function startNucleus() {
  const requests: NucleusRequest[] = [];
  const nonces = new Set<string>();
  const computes = [0, 1, 2, 3].map((i) => node(`vm-vc2-${i}`, `02:00:00:00:00:0${i}`));
  const cluster = {
    name: 'vc2', project: 'cm-test', description: 'a test VC', allocations: ['abc123', 'xyz789'],
    frontend: { ...node('vc2', 'aa:bb:cc:dd:ee:01'), interface: [{ mac: 'aa:bb:cc:dd:ee:00' }, { mac: 'aa:bb:cc:dd:ee:01' }], pub_ip: '198.51.100.7', pub_mac: 'aa:bb:cc:dd:ee:01', pub_netmask: '255.255.255.0', frontend_state: 'running', state: 'active' },
    computes,
  };
  const sets: Array<Record<string, unknown>> = [];
  const images = ['public/CentOS-7-x86_64-NetInstall-1511.iso', 'public/ubuntu-16.04.2-server-amd64.iso'];
  const polls = new Map<string, number>();
  const power: string[] = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    const path = url.pathname.replace(/^\/nucleus\/v1\//, '');
    const auth = authenticate(req, nonces);
    const body = req.headers['content-type']?.includes('json') && raw.length ? JSON.parse(raw.toString()) : raw.length ? raw.toString('latin1') : undefined;
    requests.push({ method: req.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body, auth });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => send(res, status, value, headers);

    if (path === 'getkey') {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      return basic === `${NUCLEUS.username}:${NUCLEUS.password}${NUCLEUS.otp}` ? json(200, { api_key: NUCLEUS.apiKey, api_secret: NUCLEUS.apiSecret }) : json(401, { error: 'Invalid username/password.' });
    }
    if (path === 'rest-auth/login/' && req.method === 'POST') {
      const { username, password } = (body ?? {}) as { username?: string; password?: string };
      return username === NUCLEUS.username && password === NUCLEUS.password ? json(200, { key: NUCLEUS.token }) : json(400, { error: 'Unable to log in with provided credentials.' });
    }
    if (auth === 'none') return json(401, { error: 'Authentication credentials were not provided or the signature is invalid.' });

    let m: RegExpExecArray | null;
    if (path === 'cluster/') return json(200, [cluster]);
    if ((m = /^cluster\/([^/]+)\/$/.exec(path))) return m[1] === 'vc2' ? json(200, cluster) : json(404, { error: `cluster ${m[1]} not found` });
    if ((m = /^cluster\/vc2\/(frontend|compute\/([^/]+))\/(console\/|poweron|poweroff|reboot|reset|shutdown|attach_iso|rename|)$/.exec(path))) {
      const target = m[2] ?? 'frontend';
      const what = m[3]!;
      if (target !== 'frontend' && !computes.some((c) => c.name === target)) return json(404, { error: `node ${target} not found` });
      if (what === 'console/') return json(303, '', { location: `https://console.example/vnc/${target}?token=abc` });
      if (what === '') return json(200, target === 'frontend' ? cluster.frontend : computes.find((c) => c.name === target));
      if (what === 'attach_iso') {
        const iso = url.searchParams.get('iso_name') ?? '';
        if (iso && !images.includes(iso)) return json(400, { error: `no image ${iso}` });
        power.push(`${target}:iso:${iso}`);
        return json(204, undefined);
      }
      if (what === 'rename') {
        const c = computes.find((x) => x.name === target)!;
        c.name = (body as { name: string }).name;
        return json(200, c);
      }
      power.push(`${target}:${what}`);
      return json(204, undefined);
    }
    if (path === 'computeset/' && req.method === 'GET') {
      const state = url.searchParams.get('state') ?? 'running';
      return json(200, sets.filter((s) => s.state === state));
    }
    if (path === 'computeset/' && req.method === 'POST') {
      const request = body as { cluster: string; computes?: string; count?: number; walltime_mins: number; allocation: string };
      if (request.allocation && !cluster.allocations.includes(request.allocation)) return json(400, { error: `allocation ${request.allocation} not valid` });
      const free = computes.filter((c) => c.active_computeset === null);
      const names = request.computes ? expand(request.computes) : free.slice(0, request.count).map((c) => c.name);
      if (names.length === 0 || (request.count && names.length < request.count)) return json(400, { error: 'not enough free nodes' });
      const id = String(100 + sets.length);
      const members = computes.filter((c) => names.includes(c.name));
      for (const c of members) Object.assign(c, { active_computeset: id, active_computeset_state: 'running', state: 'active' });
      sets.push({ id, cluster: request.cluster, state: 'running', account: request.allocation, walltime_mins: request.walltime_mins, start_time: Math.floor(Date.now() / 1000), end_time: null, computes: members.map((c) => ({ name: c.name, state: 'active' })) });
      return json(201, { status: 'accepted' }, { location: `/nucleus/v1/computeset/${id}/` });
    }
    if ((m = /^computeset\/(\d+)\/$/.exec(path))) {
      const set = sets.find((s) => s.id === m![1]);
      if (!set) return json(404, { error: `computeset ${m[1]} not found` });
      // The first poll still reports the operation in progress, as the real service does while it schedules.
      const seen = polls.get(m[1]!) ?? 0;
      polls.set(m[1]!, seen + 1);
      return seen === 0 ? json(200, { status: 'submitted' }) : json(200, set);
    }
    if ((m = /^computeset\/(\d+)\/(shutdown|reboot|reset)$/.exec(path)) && req.method === 'PUT') {
      const set = sets.find((s) => s.id === m![1]);
      if (!set) return json(404, { error: `computeset ${m[1]} not found` });
      if (m[2] === 'shutdown') {
        set.state = 'completed';
        for (const c of computes) if (c.active_computeset === set.id) Object.assign(c, { active_computeset: null, active_computeset_state: null, state: 'nostate' });
      }
      power.push(`computeset ${m[1]}:${m[2]}`);
      return json(204, undefined);
    }
    if (path === 'image' && req.method === 'GET') return json(200, images);
    if (path === 'image' && req.method === 'POST') {
      const text = raw.toString('latin1');
      const name = /filename="([^"]+)"/.exec(text)?.[1];
      const start = text.indexOf('\r\n\r\n') + 4;
      const content = raw.subarray(start, raw.lastIndexOf(Buffer.from('\r\n--')));
      if (createHash('md5').update(content).digest('hex') !== req.headers.md5) return json(400, { error: 'md5 mismatch' });
      images.push(`public/${name}`);
      return json(201, undefined);
    }
    return json(404, { error: `no route ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/nucleus`,
    requests,
    power,
    sets,
    computes,
    images,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function authenticate(req: IncomingMessage, nonces: Set<string>): NucleusRequest['auth'] {
  const header = req.headers.authorization ?? '';
  if (header === `Token ${NUCLEUS.token}`) return 'token';
  if (header.startsWith('Basic ')) return 'basic';
  const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const timestamp = String(req.headers.timestamp ?? '');
  const nonce = String(req.headers.nonce ?? '');
  if (!header.startsWith('Signature ') || fields.keyId !== NUCLEUS.apiKey || fields.headers !== 'timestamp nonce') return 'none';
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300 || nonces.has(nonce)) return 'none';
  const expected = createHmac('sha256', NUCLEUS.apiSecret).update(`timestamp: ${timestamp}\nnonce: ${nonce}`).digest();
  const given = Buffer.from(fields.signature ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'none';
  nonces.add(nonce);
  return 'apikey';
}

function expand(list: string): string[] {
  const m = /^(.*)\[(\d+)-(\d+)\]$/.exec(list);
  if (!m) return list.split(',');
  const out: string[] = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}${i}`);
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string>): void {
  const text = status === 204 || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
