/**
 * A loopback HTTP proxy for fault tests: it sits between a client and a REAL server (OpenStack, moto …),
 * forwards every request, and injects the faults a test plans — an error status, a 429 with Retry-After,
 * a connection reset, a request that never gets an answer — either INSTEAD of forwarding (the server never
 * saw the request) or AFTER forwarding (the server did the work, the client does not learn it), which is
 * the case that makes a naive retry create a second VM. Every request is logged, so a test can assert
 * exactly what reached the server.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What happens to a matching request. `*-after` faults forward first, then lose or replace the answer. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'timeout' }
  | { kind: 'status-after'; status: number; body?: string }
  | { kind: 'reset-after' }
  | { kind: 'timeout-after' };

export interface FaultRule {
  method?: string;
  /** Matched against the request path with its query (`/v2.1/servers?…`). */
  path?: RegExp;
  fault: Fault;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** The status the client got, or the fault it got instead. */
  outcome: number | Fault['kind'];
  /** Whether the real server saw the request. */
  forwarded: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly log: LoggedRequest[];
  /** Plan a fault for the next matching request(s). */
  inject(rule: FaultRule): void;
  /** Drop the plans that have not fired. */
  clear(): void;
  /** Requests that reached the real server, by method and path pattern. */
  forwarded(method: string, path: RegExp): number;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real server, `http://host:port`. */
  target: string;
  /** Rewrite response bodies (e.g. a service catalog's URLs, so later calls go through proxies too). */
  rewrite?: (body: string, contentType: string) => string;
}

/** Start a proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const rules: Array<FaultRule & { left: number }> = [];
  const log: LoggedRequest[] = [];
  const sockets = new Set<Socket>();

  const take = (method: string, path: string): Fault | undefined => {
    const rule = rules.find((r) => r.left > 0 && (!r.method || r.method === method) && (!r.path || r.path.test(path)));
    if (!rule) return undefined;
    rule.left--;
    return rule.fault;
  };

  const server: Server = createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const body = await readAll(req);
    const fault = take(method, path);
    const entry: LoggedRequest = { method, path, outcome: 0, forwarded: false };
    log.push(entry);
    if (fault?.kind === 'status') {
      entry.outcome = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, code: fault.status } }));
      return;
    }
    if (fault?.kind === 'reset') return void ((entry.outcome = 'reset'), req.socket.destroy());
    if (fault?.kind === 'timeout') return void (entry.outcome = 'timeout');
    let upstream: { status: number; headers: IncomingMessage['headers']; body: Buffer };
    try {
      upstream = await forward(target, req, body);
      entry.forwarded = true;
    } catch (error) {
      entry.outcome = 502;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream failed: ${(error as Error).message}`);
      return;
    }
    if (fault?.kind === 'reset-after') return void ((entry.outcome = 'reset-after'), req.socket.destroy());
    if (fault?.kind === 'timeout-after') return void (entry.outcome = 'timeout-after');
    if (fault?.kind === 'status-after') {
      entry.outcome = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status} after the server acted`, code: fault.status } }));
      return;
    }
    send(res, upstream, options.rewrite);
    entry.outcome = upstream.status;
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    inject: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }),
    clear: () => void (rules.length = 0),
    forwarded: (method, path) => log.filter((e) => e.forwarded && e.method === method && path.test(e.path)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
  delete headers['accept-encoding'];
  delete headers['connection'];
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, async (res) => {
      try {
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: await readAll(res) });
      } catch (error) {
        reject(error);
      }
    });
    out.on('error', reject);
    out.end(body);
  });
}

function send(res: ServerResponse, upstream: { status: number; headers: IncomingMessage['headers']; body: Buffer }, rewrite: FaultProxyOptions['rewrite']): void {
  const headers = { ...upstream.headers };
  delete headers['transfer-encoding'];
  delete headers['connection'];
  let body = upstream.body;
  if (rewrite) body = Buffer.from(rewrite(body.toString('utf8'), String(headers['content-type'] ?? '')), 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(upstream.status, headers);
  res.end(body);
}
