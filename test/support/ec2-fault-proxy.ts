/**
 * A loopback HTTP proxy for fault tests: it forwards every request to a real server (moto's EC2 here) and,
 * for requests a rule matches, injects a failure instead of (or after) forwarding: an HTTP error with a
 * vendor body and headers, a connection reset, a hang that the client must time out, or a response lost
 * after the server already acted. It records what reached the real server, so a test can prove that a
 * retry did (or did not) repeat a call. Test code only.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What happens to a matched request. */
export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Forward it (the server acts), then answer with this status: the client never learns it succeeded. */
  | { kind: 'lost'; status: number; body?: string }
  | { kind: 'reset' }
  /** Forward it, then reset the connection instead of answering. */
  | { kind: 'reset-after' }
  | { kind: 'hang' };

export interface FaultRule {
  /** Which requests: by the label `describe` gives them (an EC2 Action name by default). */
  match: string | ((label: string) => boolean);
  fault: Fault;
  /** How many matching requests get the fault (then they pass); default 1. */
  times?: number;
}

export interface FaultProxy {
  url: string;
  /** Labels of requests that reached the proxy / that were forwarded to the real server, in order. */
  received: string[];
  forwarded: string[];
  inject(rule: FaultRule): void;
  clear(): void;
  close(): Promise<void>;
}

/** The EC2 Query API names the operation in the form body: `Action=RunInstances&…`. */
export function ec2Action(body: string): string {
  return new URLSearchParams(body).get('Action') ?? 'unknown';
}

export const EC2_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`;

export async function startFaultProxy(target: string, describe: (body: string, req: IncomingMessage) => string = ec2Action): Promise<FaultProxy> {
  const rules: Required<FaultRule>[] = [];
  const received: string[] = [];
  const forwarded: string[] = [];
  const hung = new Set<ServerResponse>();
  const upstream = new URL(target);

  const forward = (req: IncomingMessage, body: Buffer, label: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      forwarded.push(label);
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const label = describe(body.toString('utf8'), req);
      received.push(label);
      const rule = rules.find((r) => r.times > 0 && (typeof r.match === 'string' ? r.match === label : r.match(label)));
      if (rule) rule.times--;
      const fault = rule?.fault;
      try {
        if (fault?.kind === 'reset') return void req.socket.destroy();
        if (fault?.kind === 'hang') return void hung.add(res);
        if (fault?.kind === 'status') {
          res.writeHead(fault.status, { 'content-type': 'text/xml', ...fault.headers });
          return void res.end(fault.body ?? EC2_ERROR('InternalError', 'injected by the fault proxy'));
        }
        const answer = await forward(req, body, label);
        if (fault?.kind === 'reset-after') return void req.socket.destroy();
        if (fault?.kind === 'lost') {
          res.writeHead(fault.status, { 'content-type': 'text/xml' });
          return void res.end(fault.body ?? EC2_ERROR('InternalError', 'injected after the server acted'));
        }
        const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !['transfer-encoding', 'connection', 'content-length'].includes(k)));
        res.writeHead(answer.status, headers);
        res.end(answer.body);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    forwarded,
    inject: (rule) => void rules.push({ times: 1, ...rule }),
    clear: () => void rules.splice(0),
    async close() {
      for (const res of hung) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
