/**
 * @module providers/compute/openstack/config
 * Turns a `clouds.NAME` entry of cloudmesh.yaml into what the client needs. The entry usually points at the
 * user's own files (`settings.clouds_yaml` + `settings.cloud`, or `settings.openrc`), which are read each
 * time a provider is created, so a password stays where the user keeps it. Explicit `settings.*` keys
 * override the file; `credentials.password` / `credentials.application_credential_secret` may be
 * literals or `env:`/`file:` references. The secret is read only by `secret()`, at authentication time.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CloudConfig } from '../../../core/config.ts';
import { ConfigError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import { resolveSecret } from '../../../config/secrets.ts';
import { isRecord, parseOpenrc, readCloudsYaml, secureYamlBeside, type CloudsEntry } from './sources.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type AuthType = 'password' | 'v3applicationcredential';
export type Interface = 'public' | 'internal' | 'admin';

/** Who to authenticate as and where; no secret in here. */
export interface OpenStackAuth {
  authUrl: string;
  type: AuthType;
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
}

/** Everything the provider needs for one cloud. */
export interface OpenStackSettings {
  cloud: string;
  auth: OpenStackAuth;
  /** The password or application credential secret, read when called. */
  secret: () => string;
  region: string | undefined;
  interface: Interface;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Retries of an idempotent request (and re-tries of a boot after a lookup). */
  retries: number;
  /** Most time spent waiting on 429 Retry-After per provider before failing. */
  rateLimitBudgetMs: number;
  novaMicroversion: string;
  /** Keep the token in `$CLOUDMESH_HOME/.cache` (0600) so the next `cm` reuses it. */
  cacheToken: boolean;
  /** Default network for boots that name none. */
  network: string | undefined;
  /** Items asked for per page of a listing (a cloud may cap it lower; paging goes on regardless). */
  pageSize: number;
  /**
   * Reuse connections (default). `keep_alive: false` closes each one after its answer, for API servers
   * that serve one connection at a time (a single uwsgi worker waits on an idle kept-alive connection).
   */
  keepAlive: boolean;
}

export const MIN_MICROVERSION = '2.37';
export const DEFAULT_MICROVERSION = '2.47';

/** Resolve the config of `cloud`. Reads the referenced clouds.yaml/openrc now; the secret later. */
export async function resolveOpenStackConfig(cloud: string, config: CloudConfig, home: string, env: Env): Promise<OpenStackSettings> {
  const settings = config.settings ?? {};
  const credentials = config.credentials ?? {};
  const entry = await baseEntry(cloud, settings, home);
  const auth: Record<string, unknown> = { ...(entry.auth ?? {}) };
  for (const key of AUTH_KEYS) if (typeof settings[key] === 'string') auth[key] = settings[key];
  if (credentials['application_credential_id']) auth['application_credential_id'] = credentials['application_credential_id'];
  const str = (key: string) => (typeof auth[key] === 'string' && auth[key] !== '' ? (auth[key] as string) : undefined);

  const rawType = String(settings['auth_type'] ?? entry.auth_type ?? (str('application_credential_id') || str('application_credential_name') ? 'v3applicationcredential' : 'password'));
  const type = normalizeAuthType(cloud, rawType);
  const authUrl = checkAuthUrl(cloud, str('auth_url'));
  const where = `clouds.${cloud}`;

  const secretRef =
    (type === 'password' ? credentials['password'] : credentials['application_credential_secret']) ??
    str(type === 'password' ? 'password' : 'application_credential_secret');
  const secret = (): string => {
    if (!secretRef) {
      throw new ConfigError(`cloud "${cloud}": no ${type === 'password' ? 'password' : 'application credential secret'} is configured`, {
        hint: `set clouds.${cloud}.credentials.${type === 'password' ? 'password' : 'application_credential_secret'}: env:VAR (or put it in the clouds.yaml/secure.yaml entry)`,
      });
    }
    return resolveSecret(secretRef, env, { baseDir: home, name: `${where}.credentials` });
  };

  const resolved: OpenStackAuth = { authUrl, type };
  const set = (field: keyof OpenStackAuth, key: string) => {
    const value = str(key);
    if (value !== undefined) (resolved as unknown as Record<string, string>)[field] = value;
  };
  set('username', 'username');
  set('userId', 'user_id');
  set('userDomainName', 'user_domain_name');
  set('userDomainId', 'user_domain_id');
  set('projectName', 'project_name');
  set('projectId', 'project_id');
  set('projectDomainName', 'project_domain_name');
  set('projectDomainId', 'project_domain_id');
  set('applicationCredentialId', 'application_credential_id');
  set('applicationCredentialName', 'application_credential_name');
  // Keystone's own default domain, as openstacksdk assumes when none is named.
  if (!resolved.userDomainId && !resolved.userDomainName && !resolved.userId) resolved.userDomainName = str('domain_name') ?? 'Default';
  if (!resolved.projectDomainId && !resolved.projectDomainName && !resolved.projectId) resolved.projectDomainName = str('domain_name') ?? 'Default';
  if (type === 'password') {
    if (!resolved.username && !resolved.userId) throw new ConfigError(`cloud "${cloud}": no username (auth.username or OS_USERNAME)`);
    if (!resolved.projectName && !resolved.projectId) throw new ConfigError(`cloud "${cloud}": no project (auth.project_name or OS_PROJECT_NAME)`);
  } else if (!resolved.applicationCredentialId && !(resolved.applicationCredentialName && (resolved.username || resolved.userId))) {
    throw new ConfigError(`cloud "${cloud}": an application credential needs application_credential_id (or its name and the username)`);
  }

  const iface = String(settings['interface'] ?? entry.interface ?? 'public').replace(/URL$/i, '').toLowerCase();
  if (!['public', 'internal', 'admin'].includes(iface)) throw new ConfigError(`cloud "${cloud}": interface must be public, internal or admin, not "${iface}"`);
  const microversion = String(settings['nova_microversion'] ?? DEFAULT_MICROVERSION);
  if (!/^2\.\d+$/.test(microversion) || Number(microversion.slice(2)) < Number(MIN_MICROVERSION.slice(2))) {
    throw new ConfigError(`cloud "${cloud}": nova_microversion must be ${MIN_MICROVERSION} or later (2.N), not "${microversion}"`);
  }
  const region = settings['region_name'] ?? entry.region_name;
  return {
    cloud,
    auth: resolved,
    secret,
    region: typeof region === 'string' && region !== '' ? region : undefined,
    interface: iface as Interface,
    // openstacksdk's own key for it in clouds.yaml is api_timeout.
    timeoutMs: seconds(cloud, settings['timeout'] ?? entry['api_timeout'], 60) * 1000,
    retries: Math.max(0, Math.floor(seconds(cloud, settings['retries'], 3))),
    rateLimitBudgetMs: seconds(cloud, settings['rate_limit_budget'], 120) * 1000,
    novaMicroversion: microversion,
    cacheToken: settings['cache_auth'] !== false && env['CM_OPENSTACK_CACHE_AUTH'] !== '0',
    network: typeof settings['network'] === 'string' ? settings['network'] : config.default?.['network'],
    pageSize: Math.max(1, Math.floor(seconds(cloud, settings['page_size'], 1000))),
    keepAlive: (settings['keep_alive'] ?? entry['keep_alive']) !== false && env['CM_OPENSTACK_KEEPALIVE'] !== '0',
  };
}

/** Keys of clouds.yaml's `auth:` that may also be written directly under `settings:`. */
const AUTH_KEYS = [
  'auth_url', 'username', 'user_id', 'user_domain_name', 'user_domain_id', 'project_name', 'project_id',
  'project_domain_name', 'project_domain_id', 'domain_name', 'application_credential_id', 'application_credential_name',
] as const;

/** The entry the cloud's settings point at: a clouds.yaml cloud, an openrc, or nothing (all explicit). */
async function baseEntry(cloud: string, settings: Record<string, unknown>, home: string): Promise<CloudsEntry> {
  if (typeof settings['clouds_yaml'] === 'string') {
    const path = resolve(home, settings['clouds_yaml']);
    const secure = typeof settings['secure_yaml'] === 'string' ? resolve(home, settings['secure_yaml']) : secureYamlBeside(path);
    const clouds = await readCloudsYaml(path, secure);
    const name = typeof settings['cloud'] === 'string' ? settings['cloud'] : cloud;
    const entry = clouds[name];
    if (!entry) throw new ConfigError(`cloud "${cloud}": ${path} has no cloud "${name}"${didYouMean(name, Object.keys(clouds))}`, { hint: `clouds there: ${Object.keys(clouds).join(', ') || 'none'}` });
    if (entry.auth !== undefined && !isRecord(entry.auth)) throw new ConfigError(`cloud "${cloud}": ${path}: clouds.${name}.auth is not a map`);
    return entry;
  }
  if (typeof settings['openrc'] === 'string') {
    const path = resolve(home, settings['openrc']);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cloud "${cloud}": cannot read the openrc ${path} (${(error as { code?: string }).code ?? 'error'})`);
    }
    return parseOpenrc(text).entry;
  }
  return {};
}

function normalizeAuthType(cloud: string, value: string): AuthType {
  const type = value.toLowerCase().replace(/-/g, '_');
  if (['password', 'v3password'].includes(type)) return 'password';
  if (['v3applicationcredential', 'application_credential', 'applicationcredential'].includes(type)) return 'v3applicationcredential';
  throw new ConfigError(`cloud "${cloud}": auth_type "${value}" is not supported`, { hint: 'use password or v3applicationcredential' });
}

/** The auth URL as a Keystone v3 base (`…/v3`); missing, relative or non-http URLs are refused. */
export function checkAuthUrl(cloud: string, value: string | undefined): string {
  if (!value) throw new ConfigError(`cloud "${cloud}": no auth_url`, { hint: 'the clouds.yaml entry needs auth: {auth_url: https://keystone.example.org:5000/v3}' });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`cloud "${cloud}": auth_url "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`cloud "${cloud}": auth_url "${value}" must be http or https`);
  if (url.username || url.password) throw new ConfigError(`cloud "${cloud}": auth_url must not carry a user or password`);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/v2\.0$/.test(path)) throw new UserError(`cloud "${cloud}": auth_url ${value} is Keystone v2.0, which is gone; use the v3 URL`);
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  return url.toString().replace(/\/+$/, '');
}

function seconds(cloud: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`cloud "${cloud}": expected a number of seconds, not "${String(value)}"`);
  return n;
}
