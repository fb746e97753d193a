/**
 * @module providers/hpc/slurm/rest-client
 * HTTP to slurmrestd with a JWT (`scontrol token`): X-SLURM-USER-NAME / X-SLURM-USER-TOKEN on every request.
 * The OpenAPI version is data: taken from the config (`api_version`) or discovered once from the server's
 * own /openapi/v3 document, so the same code talks to Debian's 22.05 (v0.0.38) and newer servers.
 */
import { BackendError, UserError } from '../../../core/errors.ts';

/** Versions whose data model rest-map.ts reads, newest first; discovery picks the newest the server has. */
export const KNOWN_API_VERSIONS = ['v0.0.42', 'v0.0.41', 'v0.0.40', 'v0.0.39', 'v0.0.38', 'v0.0.37', 'v0.0.36'] as const;

/** Where slurmrestd is and who we are to it. */
export interface RestEndpoint {
  /** Base URL, e.g. http://login1:6820. */
  url: string;
  user: string;
  /** The JWT, already resolved from its secret reference. */
  token: string;
  /** `v0.0.38`; discovered when absent. */
  apiVersion?: string;
  timeoutMs?: number;
}

/** One error entry of a slurmrestd response. */
export interface RestError {
  error?: string;
  description?: string;
  error_number?: number;
  error_code?: number;
}

/** A slurmrestd client; `api()` paths are relative to /slurm/<version>/ or /slurmdb/<version>/. */
export interface SlurmRest {
  readonly url: string;
  /** The user the token belongs to, whom slurmrestd acts as. */
  readonly user: string;
  version(): Promise<string>;
  /** `GET|POST|DELETE /slurm/<v>/<path>`; resolves with the body and its `errors` (never thrown for them). */
  slurm(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ body: Record<string, unknown>; errors: RestError[] }>;
  slurmdb(path: string): Promise<{ body: Record<string, unknown>; errors: RestError[] }>;
}

export function createSlurmRest(endpoint: RestEndpoint, now: () => Date = () => new Date()): SlurmRest {
  const base = endpoint.url.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new UserError(`slurmrestd url must start with http:// or https://, not '${endpoint.url}'`);
  let version: Promise<string> | null = endpoint.apiVersion ? Promise.resolve(normalizeVersion(endpoint.apiVersion)) : null;

  async function call(method: string, path: string, body?: unknown): Promise<{ body: Record<string, unknown>; errors: RestError[] }> {
    checkToken(endpoint, now());
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          'X-SLURM-USER-NAME': endpoint.user,
          'X-SLURM-USER-TOKEN': endpoint.token,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(endpoint.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const why = cause?.code === 'ECONNREFUSED' ? 'connection refused' : cause?.code === 'ENOTFOUND' ? 'no such host' : (error as Error).message;
      throw new UserError(`cannot reach slurmrestd at ${base}: ${why}`, { cause: error });
    }
    const text = await response.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = null;
    }
    // slurmrestd 22.05 answers a bad or expired token with a plain-text 500 "Authentication failure".
    if (response.status === 401 || response.status === 403 || /Authentication failure/i.test(text.slice(0, 200))) {
      throw new UserError(`slurmrestd at ${base} refused the token for user ${endpoint.user} (expired or wrong?)`, {
        hint: 'make a new one on the cluster: scontrol token username=USER lifespan=SECONDS, and point token: at it (env: or file:)',
      });
    }
    if (parsed === null) {
      throw new BackendError('slurm', `${method} ${path}`, new Error(text.slice(0, 300)), `slurmrestd: ${method} ${path} answered HTTP ${response.status} without JSON`);
    }
    const errors = Array.isArray(parsed.errors) ? (parsed.errors as RestError[]) : [];
    // Slurm 22.05 answers a token it does not accept (another user's, a revoked key) with HTTP 500 and an
    // "Unspecified error" beside an empty list: never read that as "no jobs".
    if (response.status >= 500 && errors.some((error) => error.error_number === -1 || /Unspecified error/i.test(error.error ?? ''))) {
      throw new BackendError(
        'slurm',
        `${method} ${path}`,
        new Error(restMessage(errors)),
        `slurmrestd: ${restMessage(errors)} (HTTP ${response.status}; a token slurmrestd does not accept for ${endpoint.user} looks like this too)`,
      );
    }
    if (response.status === 404 && errors.length === 0) {
      throw new UserError(`slurmrestd at ${base} has no ${path} (API version ${await version}?)`, { hint: 'set api_version: in the cluster entry, or leave it out to discover it' });
    }
    return { body: parsed, errors };
  }

  const discover = async (): Promise<string> => {
    const { body } = await call('GET', '/openapi/v3');
    const paths = Object.keys((body.paths as Record<string, unknown> | undefined) ?? {});
    const offered = new Set(paths.map((path) => /^\/slurm\/(v\d+\.\d+\.\d+)\//.exec(path)?.[1]).filter((v): v is string => !!v));
    const chosen = KNOWN_API_VERSIONS.find((v) => offered.has(v));
    if (!chosen) {
      throw new UserError(`slurmrestd at ${base} offers API ${[...offered].join(', ') || 'none'}; cloudmesh reads ${KNOWN_API_VERSIONS.join(', ')}`);
    }
    return chosen;
  };

  const api = {
    url: base,
    user: endpoint.user,
    version() {
      version ??= discover();
      version.catch(() => (version = null));
      return version;
    },
    async slurm(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
      return call(method, `/slurm/${await api.version()}/${path}`, body);
    },
    async slurmdb(path: string) {
      return call('GET', `/slurmdb/${await api.version()}/${path}`);
    },
  };
  return api;
}

/**
 * Refuse a token that cannot work before asking the server, which (22.05) answers such a token only with
 * an unspecific error: not a JWT, expired, or made for another user. The signature is the server's to check.
 */
export function checkToken(endpoint: Pick<RestEndpoint, 'token' | 'user' | 'url'>, now: Date): void {
  const payload = endpoint.token.split('.')[1];
  type Claims = { exp?: unknown; sun?: unknown };
  let claims: Claims | null = null;
  try {
    const parsed: unknown = payload && endpoint.token.split('.').length === 3 ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : null;
    claims = parsed !== null && typeof parsed === 'object' ? (parsed as Claims) : null;
  } catch {
    claims = null;
  }
  const hint = { hint: 'make a new one on the cluster: scontrol token username=USER lifespan=SECONDS, and point token: at it (env: or file:)' };
  if (!claims) throw new UserError(`the slurmrestd token for ${endpoint.user} is not a JWT`, hint);
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now.getTime()) {
    throw new UserError(`the slurmrestd token for ${endpoint.user} expired at ${new Date(claims.exp * 1000).toISOString()}`, hint);
  }
  if (typeof claims.sun === 'string' && claims.sun !== endpoint.user) {
    throw new UserError(`the slurmrestd token was made for user ${claims.sun}, not ${endpoint.user}`, hint);
  }
}

/** `0.0.38` or `v0.0.38` → `v0.0.38`. */
export function normalizeVersion(text: string): string {
  const match = /^v?(\d+\.\d+\.\d+)$/.exec(text.trim());
  if (!match) throw new UserError(`api_version must look like v0.0.38, not '${text}'`);
  return `v${match[1]}`;
}

/** The first error's text, as Slurm words it. */
export function restMessage(errors: readonly RestError[]): string {
  const first = errors[0];
  return first ? (first.description || first.error || `error ${first.error_number ?? first.error_code ?? '?'}`) : '';
}
