/**
 * A loopback Azure Resource Manager for the Azure provider's tests (no Azure emulator exists). It follows the
 * published ARM REST reference for the calls cloudmesh makes, so the real `@azure/arm-compute`,
 * `@azure/arm-network` and `@azure/identity` clients run against it unchanged, pointed at its URL:
 *
 * - HTTPS only (the SDK refuses bearer tokens over http): a self-signed certificate made with `openssl` at
 *   start; tests hand its PEM to the SDK as `tlsOptions.ca`.
 * - Microsoft Entra ID's client-credentials flow: `/{tenant}/v2.0/.well-known/openid-configuration` and
 *   `/{tenant}/oauth2/v2.0/token`, checking client id and secret (AADSTS7000215 / AADSTS700016 otherwise) and
 *   issuing opaque dummy tokens; every ARM call needs `Authorization: Bearer <one of them>`.
 * - `api-version` is required on every ARM call (400 MissingApiVersionParameter); ids are case-insensitive;
 *   errors are `{"error":{"code","message"}}`; lists are `{"value":[…],"nextLink"}`, paged.
 * - Long-running operations answer 201/202 with `Azure-AsyncOperation` (and `Location` for DELETE/POST) and
 *   finish `opMs` later; the operation resource reports InProgress, then Succeeded.
 *
 * Resource semantics (validation, power states, NIC/NSG/IP references) live in azure-arm-resources.ts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArmError, ArmState, LOCATIONS, PLATFORM_IMAGES, SIZES } from './azure-arm-resources.ts';
import type { Json, Operation, RouteResult } from './azure-arm-resources.ts';

export interface ArmServerOptions {
  tenant?: string;
  subscription?: string;
  clientId?: string;
  clientSecret?: string;
  /** Resource groups that exist from the start (name → location). */
  resourceGroups?: Record<string, string>;
  /** How long a long-running operation takes. */
  opMs?: number;
  /** Items per page of a list (small, so clients must follow nextLink). */
  pageSize?: number;
}

export interface ArmServer {
  /** The ARM endpoint and the Entra ID authority host (the same server). */
  url: string;
  /** PEM of the self-signed certificate, for `tlsOptions.ca`. */
  ca: string;
  caFile: string;
  tenant: string;
  subscription: string;
  clientId: string;
  clientSecret: string;
  state: ArmState;
  /** `METHOD path` of every request, for tests that count calls. */
  log: string[];
  /** Answer the next `times` ARM calls matching `pattern` (on `METHOD path`) with this error instead. */
  inject(fault: { pattern: RegExp; status: number; code: string; retryAfter?: number; times?: number }): void;
  close(): Promise<void>;
}

export async function startArmServer(options: ArmServerOptions = {}): Promise<ArmServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-arm-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'), '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const tenant = options.tenant ?? randomUUID();
  const subscription = options.subscription ?? randomUUID();
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? randomBytes(18).toString('base64url');
  const tokens = new Set<string>();
  const log: string[] = [];
  const faults: { pattern: RegExp; status: number; code: string; retryAfter?: number; times: number }[] = [];
  const opMs = options.opMs ?? 150;
  const pageSize = options.pageSize ?? 2;
  let base = '';
  const state = new ArmState(subscription, options.resourceGroups ?? { cloudmesh: 'eastus' });
  const operations = new Map<string, { op: Operation; doneAt: number; status: 'InProgress' | 'Succeeded' | 'Failed'; error?: Json; location: string; provider: string }>();

  /** Finish every operation whose time has come (lazily, on each request: no timers to clean up). */
  function settle(): void {
    for (const entry of operations.values()) {
      if (entry.status !== 'InProgress' || Date.now() < entry.doneAt) continue;
      try {
        entry.op.finish();
        entry.status = 'Succeeded';
      } catch (error) {
        entry.status = 'Failed';
        entry.error = error instanceof ArmError ? { code: error.code, message: error.message } : { code: 'InternalServerError', message: String(error) };
      }
    }
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers });
    res.end(text);
  }

  function oauth(req: IncomingMessage, res: ServerResponse, path: string, body: string): boolean {
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (discovery && req.method === 'GET') {
      const t = discovery[1]!;
      send(res, 200, {
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`, issuer: `${base}/${t}/v2.0`, authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`, end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`, response_types_supported: ['code', 'token'],
      });
      return true;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (!token || req.method !== 'POST') return false;
    const form = new URLSearchParams(body);
    const fail = (status: number, error: string, description: string) => send(res, status, { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1])], timestamp: new Date().toISOString() });
    if (token[1] !== tenant) return fail(400, 'invalid_request', `AADSTS90002: Tenant '${token[1]}' not found.`), true;
    if (form.get('client_id') !== clientId) return fail(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`), true;
    if (form.get('client_secret') !== clientSecret) return fail(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.'), true;
    const access = `dummy-${randomBytes(16).toString('hex')}`;
    tokens.add(access);
    send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.replace(/\/+$/, '');
    log.push(`${req.method} ${path}`);
    if (oauth(req, res, path, body)) return;

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) {
      return send(res, 401, { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing or invalid." } }, { 'www-authenticate': `Bearer authorization_uri="${base}/${tenant}", error="invalid_token"` });
    }
    if (!url.searchParams.get('api-version')) {
      return send(res, 400, { error: { code: 'MissingApiVersionParameter', message: "The api-version query parameter (?api-version=) is required for all requests." } });
    }
    settle();
    const fault = faults.find((f) => f.times > 0 && f.pattern.test(`${req.method} ${path}`));
    if (fault) {
      fault.times--;
      return send(res, fault.status, { error: { code: fault.code, message: `injected by the test: ${fault.code}` } }, fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) });
    }

    const op = /^\/subscriptions\/[^/]+\/providers\/microsoft\.(compute|network)\/locations\/([^/]+)\/(operations|operationresults)\/([^/]+)$/i.exec(path);
    if (op && req.method === 'GET') {
      const entry = operations.get(op[4]!);
      if (!entry) return send(res, 404, { error: { code: 'NotFound', message: `Operation ${op[4]} was not found.` } });
      if (op[3]!.toLowerCase() === 'operationresults') return entry.status === 'InProgress' ? send(res, 202, undefined, { location: `${base}${path}?${url.searchParams}` }) : send(res, 204);
      return send(res, 200, { name: op[4], status: entry.status, startTime: new Date(entry.doneAt - opMs).toISOString(), ...(entry.status === 'InProgress' ? {} : { endTime: new Date(entry.doneAt).toISOString() }), ...(entry.error ? { error: entry.error } : {}) });
    }

    try {
      const json = body ? (JSON.parse(body) as Json) : undefined;
      const loc = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.compute\/locations\/([^/]+)\/(.+)$/i.exec(path);
      const result = loc && req.method === 'GET' && loc[1]!.toLowerCase() === subscription.toLowerCase()
        ? locationCall(state, loc[2]!.toLowerCase(), loc[3]!, url.searchParams)
        : state.route(req.method ?? 'GET', path, url.searchParams, json);
      if (result.list) {
        const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
        const page = result.list.slice(skip, skip + pageSize);
        const next = new URL(url);
        next.searchParams.set('$skiptoken', String(skip + pageSize));
        return send(res, 200, { value: page, ...(skip + pageSize < result.list.length ? { nextLink: next.toString() } : {}) });
      }
      const headers: Record<string, string> = {};
      if (result.operation) {
        const id = randomUUID();
        const provider = result.operation.provider;
        operations.set(id, { op: result.operation, doneAt: Date.now() + opMs, status: 'InProgress', location: result.operation.location, provider });
        const opBase = `${base}/subscriptions/${subscription}/providers/Microsoft.${provider}/locations/${result.operation.location}`;
        const apiVersion = `api-version=${url.searchParams.get('api-version')}`;
        headers['azure-asyncoperation'] = `${opBase}/operations/${id}?${apiVersion}`;
        if (req.method === 'DELETE' || req.method === 'POST') headers.location = `${opBase}/operationResults/${id}?${apiVersion}`;
      }
      send(res, result.status, result.body, headers);
    } catch (error) {
      if (error instanceof ArmError) return send(res, error.status, { error: { code: error.code, message: error.message, ...(error.target ? { target: error.target } : {}) } });
      if (error instanceof SyntaxError) return send(res, 400, { error: { code: 'InvalidRequestContent', message: `The request content was invalid and could not be deserialized: ${error.message}` } });
      send(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
    }
  }

  const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: { code: 'InternalServerError', message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    ca,
    caFile: join(dir, 'ca.pem'),
    tenant,
    subscription,
    clientId,
    clientSecret,
    state,
    log,
    inject: (fault) => void faults.push({ times: 1, ...fault }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `…/providers/Microsoft.Compute/locations/{location}/…`: sizes, usages and marketplace image versions. */
function locationCall(state: ArmState, location: string, what: string, query: URLSearchParams): RouteResult {
  if (!LOCATIONS.includes(location)) throw new ArmError(404, 'LocationNotFound', `The location '${location}' is not available for this subscription.`);
  if (/^vmsizes$/i.test(what)) {
    return { status: 200, list: SIZES.map(([name, cores, mem, disk]) => ({ name, numberOfCores: cores, memoryInMB: mem, resourceDiskSizeInMB: disk, osDiskSizeInMB: 1047552, maxDataDiskCount: 4 })) };
  }
  if (/^usages$/i.test(what)) {
    const vms = state.ofType('Microsoft.Compute/virtualMachines').filter((vm) => vm.location === location);
    const cores = vms.filter((vm) => state.power.get(vm.id.toLowerCase()) !== 'deallocated').reduce((n, vm) => n + (SIZES.find((s) => s[0] === vm.properties.hardwareProfile.vmSize)?.[1] ?? 0), 0);
    const usage = (value: string, localized: string, current: number, limit: number) => ({ unit: 'Count', currentValue: current, limit, name: { value, localizedValue: localized } });
    return { status: 200, list: [usage('cores', 'Total Regional vCPUs', cores, 10), usage('virtualMachines', 'Virtual Machines', vms.length, 25000), usage('standardBSFamily', 'Standard BS Family vCPUs', cores, 10)] };
  }
  const image = /^publishers\/([^/]+)\/artifacttypes\/vmimage\/offers\/([^/]+)\/skus\/([^/]+)\/versions(?:\/([^/]+))?$/i.exec(what);
  if (image) {
    const key = `${image[1]}:${image[2]}:${image[3]}`.toLowerCase();
    const versions = PLATFORM_IMAGES[key];
    if (!versions) throw new ArmError(404, 'NotFound', `Artifact: VMImage was not found.`);
    const view = (v: string) => ({ location, name: v, id: `/Subscriptions/${state.subscription}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image[1]}/ArtifactTypes/VMImage/Offers/${image[2]}/Skus/${image[3]}/Versions/${v}` });
    if (image[4]) {
      const v = image[4] === 'latest' ? versions.at(-1)! : versions.find((x) => x === image[4]);
      if (!v) throw new ArmError(404, 'NotFound', `Artifact: VMImage was not found.`);
      return { status: 200, body: { ...view(v), properties: { osImage: { operatingSystem: 'Linux' }, hyperVGeneration: 'V2' } } };
    }
    const sorted = /name desc/i.test(query.get('$orderby') ?? '') ? [...versions].reverse() : versions;
    const top = Number(query.get('$top') ?? sorted.length);
    return { status: 200, body: sorted.slice(0, top).map(view) };
  }
  throw new ArmError(404, 'InvalidResourceType', `No location route for ${what}.`);
}
