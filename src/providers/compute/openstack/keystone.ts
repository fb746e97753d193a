/**
 * @module providers/compute/openstack/keystone
 * Keystone v3 without the HTTP: the request body for password and application-credential auth, the
 * token and service catalog read from the answer, endpoint lookup by type/region/interface, and the token
 * cache. A token is reused until shortly before it expires: in memory for the life of the process, and
 * (unless `cache_auth: false`) in `$CLOUDMESH_HOME/.cache/openstack/<hash>.json`, mode 0600, so a sequence
 * of `cm` commands authenticates once. The cache holds the token and catalog, never the password, and is
 * never put in the state DB.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../core/errors.ts';
import type { Interface, OpenStackAuth } from './config.ts';

/** A catalog endpoint. */
export interface Endpoint {
  type: string;
  region: string | null;
  interface: string;
  url: string;
}

/** A scoped token and what came with it. */
export interface Token {
  value: string;
  expiresAt: number;
  projectId: string | null;
  userId: string | null;
  catalog: Endpoint[];
}

/** Renew this long before Keystone's expiry, so a token never lapses during a command. */
export const EXPIRY_MARGIN_MS = 120_000;

/** The JSON body of `POST /v3/auth/tokens`. */
export function authBody(auth: OpenStackAuth, secret: string): unknown {
  const domain = (name?: string, id?: string) => (id ? { id } : { name: name ?? 'Default' });
  const user = auth.userId ? { id: auth.userId } : { name: auth.username, domain: domain(auth.userDomainName, auth.userDomainId) };
  if (auth.type === 'v3applicationcredential') {
    const credential = auth.applicationCredentialId ? { id: auth.applicationCredentialId, secret } : { name: auth.applicationCredentialName, secret, user };
    // An application credential carries its own project scope; Keystone refuses an explicit one.
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  const project = auth.projectId ? { id: auth.projectId } : { name: auth.projectName, domain: domain(auth.projectDomainName, auth.projectDomainId) };
  return { auth: { identity: { methods: ['password'], password: { user: { ...user, password: secret } } }, scope: { project } } };
}

/** The token from Keystone's answer (`X-Subject-Token` header + body). */
export function parseToken(subjectToken: string | null, body: unknown): Token {
  const token = (body as { token?: Record<string, unknown> } | null)?.token;
  if (!subjectToken || !token) throw new Error('Keystone answered without a token');
  const expires = Date.parse(String(token['expires_at'] ?? ''));
  const catalog: Endpoint[] = [];
  for (const service of (token['catalog'] as Array<Record<string, unknown>> | undefined) ?? []) {
    for (const ep of (service['endpoints'] as Array<Record<string, unknown>> | undefined) ?? []) {
      catalog.push({
        type: String(service['type']),
        region: (ep['region_id'] ?? ep['region'] ?? null) as string | null,
        interface: String(ep['interface']),
        url: String(ep['url']),
      });
    }
  }
  return {
    value: subjectToken,
    expiresAt: Number.isFinite(expires) ? expires : Date.now() + 3600_000,
    projectId: ((token['project'] as { id?: string } | undefined)?.id ?? null),
    userId: ((token['user'] as { id?: string } | undefined)?.id ?? null),
    catalog,
  };
}

/** Suffix a versionless endpoint gets (Glance and Neutron publish theirs without one). */
const API_VERSION: Record<string, string> = { image: 'v2', network: 'v2.0' };

/**
 * The URL of service `type` for this region and interface, with the API version the client speaks. With no
 * region configured, a service offered in exactly one region is used; several is a clear error.
 */
export function endpointFor(cloud: string, catalog: readonly Endpoint[], type: string, region: string | undefined, iface: Interface): string {
  const ofType = catalog.filter((ep) => ep.type === type);
  if (ofType.length === 0) throw new UserError(`cloud "${cloud}": the service catalog has no "${type}" service`, { hint: `services: ${[...new Set(catalog.map((e) => e.type))].join(', ')}` });
  const inRegion = region ? ofType.filter((ep) => ep.region === region) : ofType;
  const regions = [...new Set(ofType.map((ep) => ep.region ?? '(none)'))];
  if (inRegion.length === 0) throw new UserError(`cloud "${cloud}": no "${type}" endpoint in region "${region}"`, { hint: `regions offering it: ${regions.join(', ')}` });
  if (!region && regions.length > 1) throw new UserError(`cloud "${cloud}": "${type}" is offered in several regions (${regions.join(', ')}); set region_name`);
  const chosen = inRegion.find((ep) => ep.interface === iface);
  if (!chosen) throw new UserError(`cloud "${cloud}": no ${iface} "${type}" endpoint`, { hint: `interfaces: ${[...new Set(inRegion.map((e) => e.interface))].join(', ')}` });
  const url = chosen.url.replace(/\/+$/, '');
  const version = API_VERSION[type];
  return version && !/\/v\d+(\.\d+)?$/.test(url) ? `${url}/${version}` : url;
}

/** True while the token can still be used for a whole command. */
export function fresh(token: Token | undefined, now = Date.now()): token is Token {
  return token !== undefined && token.expiresAt - EXPIRY_MARGIN_MS > now;
}

/** Tokens of this process, by identity. */
const memory = new Map<string, Token>();

/** Forget every token this process holds (a test standing in for a new process). */
export function forgetTokensInMemory(): void {
  memory.clear();
}

/**
 * The cache key of an identity: where, as whom, and a digest of the secret, so a changed (or mistyped)
 * password is tried at once instead of hiding behind a cached token. The digest is salted with the
 * identity and truncated; the file it names sits beside the token it would unlock anyway.
 */
export function identityKey(auth: OpenStackAuth, secret: string): string {
  const parts = [secret, auth.authUrl, auth.type, auth.userId, auth.username, auth.userDomainId, auth.userDomainName, auth.projectId, auth.projectName,
    auth.projectDomainId, auth.projectDomainName, auth.applicationCredentialId, auth.applicationCredentialName];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Where a home keeps cached tokens. */
export function tokenCacheDir(home: string): string {
  return join(home, '.cache', 'openstack');
}

/** A usable cached token: this process's, else the disk's (when allowed). */
export function cachedToken(key: string, home: string | undefined): Token | undefined {
  const inMemory = memory.get(key);
  if (fresh(inMemory)) return inMemory;
  if (!home) return undefined;
  try {
    const token = JSON.parse(readFileSync(join(tokenCacheDir(home), `${key}.json`), 'utf8')) as Token;
    if (fresh(token) && typeof token.value === 'string' && Array.isArray(token.catalog)) {
      memory.set(key, token);
      return token;
    }
  } catch {
    // No cache, or one we cannot read: authenticate.
  }
  return undefined;
}

/** Remember a token; on disk only through a 0600 file in a 0700 directory, replaced atomically. */
export function storeToken(key: string, token: Token, home: string | undefined): void {
  memory.set(key, token);
  if (!home) return;
  try {
    const dir = tokenCacheDir(home);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const temp = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify(token), { mode: 0o600 });
    renameSync(temp, join(dir, `${key}.json`));
  } catch {
    // A cache we cannot write costs one more authentication next time, nothing else.
  }
}

/** Forget a token Keystone or a service refused. */
export function dropToken(key: string, home: string | undefined): void {
  memory.delete(key);
  if (home) rmSync(join(tokenCacheDir(home), `${key}.json`), { force: true });
}
