/**
 * @module providers/http-text
 * One HTTP request and its whole text answer, over node:http/https, for providers that speak JSON over
 * HTTP themselves (OpenStack). Not the global `fetch`: the first fetch of a process loads undici and
 * compiles its WebAssembly HTTP parser, ~30 ms of CPU in every `cm` command that talks to such a cloud,
 * and during `vm refresh --all` that CPU is taken from the other clouds' work. TLS is verified as by
 * fetch (Node's default CAs). Redirects are not followed: an API that redirects is answered as it is.
 *
 * Each client has its own connection pool (`httpAgents`). An idle kept-alive connection is closed after one
 * second, not Node's default five: enough for the next request of the same command, and an API server with
 * a single worker (uwsgi's default; the test Nova) serves no one else while a client holds a connection.
 */
import { Agent as PlainAgent, request as plainRequest, type IncomingMessage } from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';

/** A client's connection pools, one per scheme. */
export interface HttpAgents {
  http: PlainAgent;
  https: TlsAgent;
}

/** Pools for one client: `keepAlive` false closes every connection after its answer. */
export function httpAgents(options: { keepAlive: boolean; maxSockets: number }): HttpAgents {
  const settings = { keepAlive: options.keepAlive, maxSockets: options.maxSockets, timeout: 1_000 };
  return { http: new PlainAgent(settings), https: new TlsAgent(settings) };
}

/** A whole answer, body read. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text: string;
}

export interface HttpTextRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Covers the whole exchange, body included: a server that stalls mid-answer is no answer. */
  timeoutMs: number;
  agents: HttpAgents;
}

/** The error a request that ran out of time fails with (named like fetch's, `TimeoutError`). */
function timeoutError(url: URL, ms: number): Error {
  const error = new Error(`no answer from ${url.host} within ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

function headersOf(response: IncomingMessage): HttpAnswer['headers'] {
  return {
    get(name) {
      const value = response.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Send `request` to `url`; resolves with the answer of any status, rejects when there is none. */
export function httpText(url: string, request: HttpTextRequest): Promise<HttpAnswer> {
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  const send = tls ? tlsRequest : target.protocol === 'http:' ? plainRequest : undefined;
  if (!send) return Promise.reject(new Error(`unsupported URL scheme ${target.protocol} in ${target.origin}`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer!);
    };
    const headers = { ...request.headers, ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}) };
    const agent = tls ? request.agents.https : request.agents.http;
    const outgoing = send(target, { method: request.method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => finish(error));
      // Closed before the body ended: the peer reset or dropped the connection mid-answer.
      response.on('close', () => {
        if (!response.complete) finish(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }));
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        finish(undefined, { status, ok: status >= 200 && status < 300, headers: headersOf(response), text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => {
      const error = timeoutError(target, request.timeoutMs);
      finish(error);
      outgoing.destroy(error);
    }, request.timeoutMs);
    outgoing.on('error', (error) => finish(error));
    outgoing.end(request.body);
  });
}
