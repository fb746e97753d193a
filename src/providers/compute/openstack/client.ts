/**
 * @module providers/compute/openstack/client
 * The one file that talks HTTP to OpenStack (node:http through providers/http-text.ts, no SDK). It authenticates with Keystone,
 * finds services in the catalog, sends the Nova microversion header, pages with `limit`/`marker`, and
 * decides what may be tried again:
 *  - a request that got no answer (reset, timeout) or a 5xx is retried only when idempotent (GET, PUT,
 *    DELETE, HEAD); a POST that failed that way is reported as `uncertain`, and its caller decides (boot
 *    looks the VM up before trying again);
 *  - 429 is retried for any method, because the cloud refused it before doing anything, after the
 *    `Retry-After` it asked for, within a per-client budget that refills after as long without a 429; while
 *    waiting, every request of the client waits;
 *  - 401 from a service re-authenticates once and sends the request again (it was not executed).
 */
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import type { OpenStackSettings } from './config.ts';
import { authBody, cachedToken, dropToken, endpointFor, fresh, identityKey, parseToken, storeToken, type Token } from './keystone.ts';
import { retryAfterMs, backoffMs, faultMessage, isIdempotent } from './retry.ts';
import { httpAgents, httpText, type HttpAgents, type HttpAnswer } from '../../http-text.ts';

export type Service = 'compute' | 'image' | 'network' | 'orchestration';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Overrides the method's default idempotency (a POST that is safe to repeat, such as a server action). */
  idempotent?: boolean;
  /** Answer `null` instead of throwing on 404. */
  allow404?: boolean;
}

/** Why a request failed, kept as the `cause` of the BackendError callers see. */
export class OpenStackHttpError extends Error {
  readonly status: number | null;
  /** True when the request may have been executed although it failed (no answer or 5xx to a POST). */
  readonly uncertain: boolean;
  constructor(message: string, status: number | null, uncertain: boolean) {
    super(message);
    this.status = status;
    this.uncertain = uncertain;
  }
}

/** Counters for tests and benchmarks. */
export interface ClientStats {
  keystoneCalls: number;
  requests: number;
  retries: number;
  rateLimitedMs: number;
}

const MAX_IN_FLIGHT = 8;

/** What a request sends. */
interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export class OpenStackClient {
  readonly settings: OpenStackSettings;
  readonly stats: ClientStats = { keystoneCalls: 0, requests: 0, retries: 0, rateLimitedMs: 0 };
  readonly #home: string | undefined;
  #cacheKey: string | undefined;
  #token: Token | undefined;
  #authing: Promise<Token> | undefined;
  #notBefore = 0;
  /** Retry-After waits counted against the rate-limit budget (refilled after a quiet spell). */
  #budgetUsedMs = 0;
  #inFlight = 0;
  readonly #queue: Array<() => void> = [];
  readonly #agents: HttpAgents;

  constructor(settings: OpenStackSettings, home: string | undefined) {
    this.settings = settings;
    this.#home = settings.cacheToken ? home : undefined;
    this.#agents = httpAgents({ keepAlive: settings.keepAlive, maxSockets: MAX_IN_FLIGHT });
  }

  /** Close idle connections (a long-lived process dropping this client). */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /** The cache key; reading the secret is deferred to the first request. */
  get #key(): string {
    return (this.#cacheKey ??= identityKey(this.settings.auth, this.settings.secret()));
  }

  /** A valid token: this client's, the cache's, or a new one. `fresh` skips caches (credential checks). */
  async token(options: { fresh?: boolean } = {}): Promise<Token> {
    if (!options.fresh) {
      this.#token ??= cachedToken(this.#key, this.#home);
      if (fresh(this.#token)) return this.#token;
    }
    this.#authing ??= this.#authenticate().finally(() => (this.#authing = undefined));
    return (this.#token = await this.#authing);
  }

  async #authenticate(): Promise<Token> {
    const { cloud, auth } = this.settings;
    const body = JSON.stringify(authBody(auth, this.settings.secret()));
    const url = `${auth.authUrl}/auth/tokens`;
    this.stats.keystoneCalls++;
    // Authentication creates nothing, so it is retried like an idempotent call.
    const response = await this.#send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...this.#connection() }, body }, true, 'authenticate');
    const text = response.text;
    if (response.status === 401) {
      const who = auth.type === 'password' ? `user "${auth.username ?? auth.userId}" in project "${auth.projectName ?? auth.projectId}"` : 'the application credential';
      throw new UserError(`cloud "${cloud}": Keystone refused the credentials of ${who} (401)`, { hint: 'check the password/secret in your clouds.yaml, secure.yaml or the env:/file: reference' });
    }
    if (!response.ok) throw this.#fail('authenticate', response.status, text, false);
    try {
      const token = parseToken(response.headers.get('x-subject-token'), JSON.parse(text));
      storeToken(this.#key, token, this.#home);
      return token;
    } catch (error) {
      throw new BackendError('openstack', 'authenticate', error, `cloud "${cloud}": Keystone at ${auth.authUrl} gave no usable token`);
    }
  }

  #connection(): Record<string, string> {
    return this.settings.keepAlive ? {} : { connection: 'close' };
  }

  /** The base URL of a service from the catalog. */
  async endpoint(service: Service): Promise<string> {
    const token = await this.token();
    return endpointFor(this.settings.cloud, token.catalog, service, this.settings.region, this.settings.interface);
  }

  /** Send one API request; the parsed JSON answer (or null for an empty body / allowed 404). */
  async request<T = any>(service: Service, method: string, path: string, options: RequestOptions = {}): Promise<T | null> {
    const what = `${method} ${service}${path.replace(/\?.*$/, '')}`;
    const idempotent = options.idempotent ?? isIdempotent(method);
    for (let reauthed = false; ; reauthed = true) {
      const token = await this.token();
      const base = endpointFor(this.settings.cloud, token.catalog, service, this.settings.region, this.settings.interface);
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { 'x-auth-token': token.value, accept: 'application/json', ...this.#connection() };
      if (service === 'compute') headers['x-openstack-nova-api-version'] = this.settings.novaMicroversion;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const init: Outgoing = { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) };
      const response = await this.#send(url.toString(), init, idempotent, what);
      const text = response.text;
      if (response.status === 401 && !reauthed) {
        // The token expired or was revoked: a new one, and the request again (a 401 was not executed).
        dropToken(this.#key, this.#home);
        this.#token = undefined;
        await this.token({ fresh: true });
        continue;
      }
      if (response.status === 404 && options.allow404) return null;
      if (!response.ok) throw this.#fail(what, response.status, text, false);
      return text === '' ? null : (JSON.parse(text) as T);
    }
  }

  /**
   * Every item of a paged listing: pages of `pageSize` with `marker` = the last id, for as long as the
   * service says there is a next page (`<key>_links` / `next`), so a service that caps the page lower than
   * asked is still read to the end.
   */
  async listAll<T extends { id?: unknown }>(service: Service, path: string, key: string, query: RequestOptions['query'] = {}, pageSize = this.settings.pageSize): Promise<T[]> {
    const items: T[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      const body = await this.request<Record<string, unknown>>(service, 'GET', path, { query: { ...query, limit: pageSize, ...(marker ? { marker } : {}) } });
      const batch = (body?.[key] as T[] | undefined) ?? [];
      items.push(...batch);
      const links = (body?.[`${key}_links`] as Array<{ rel?: string }> | undefined) ?? [];
      const hasNext = links.some((l) => l.rel === 'next') || typeof body?.['next'] === 'string';
      const last = batch.at(-1)?.id;
      if (!hasNext || batch.length === 0 || typeof last !== 'string' || last === marker) break;
      marker = last;
    }
    return items;
  }

  /** One request with the timeout, the in-flight cap, the rate-limit gate and the retry policy. */
  async #send(url: string, init: Outgoing, idempotent: boolean, what: string): Promise<HttpAnswer> {
    const { retries, timeoutMs, rateLimitBudgetMs } = this.settings;
    for (let attempt = 0; ; attempt++) {
      const wait = this.#notBefore - Date.now();
      if (wait > 0) await sleep(wait);
      await this.#acquire();
      let response: HttpAnswer | undefined;
      let failure: unknown;
      try {
        this.stats.requests++;
        // The timeout covers the body too: a server that stalls mid-answer is no answer.
        response = await httpText(url, { ...init, timeoutMs, agents: this.#agents });
        // The agent takes the kept-alive connection back a turn after the body ends; without this pause the
        // next request opens a second connection, which a single-worker API server (uwsgi) then serves
        // only after its 4 s idle timeout on the first.
        await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        failure = error;
      } finally {
        this.#release();
      }
      if (response?.status === 429) {
        const delay = retryAfterMs(response.headers.get('retry-after'), attempt);
        // The budget refills once the cloud has stopped throttling for as long as the budget: a long-lived
        // process (cm server) is not refused forever after one busy minute.
        if (Date.now() - this.#notBefore > rateLimitBudgetMs) this.#budgetUsedMs = 0;
        if (attempt >= retries + 3 || this.#budgetUsedMs + delay > rateLimitBudgetMs) {
          throw this.#fail(what, 429, '', false, `rate limited; the cloud asks to wait ${Math.ceil(delay / 1000)} s more than the ${Math.round(rateLimitBudgetMs / 1000)} s budget allows`);
        }
        this.#budgetUsedMs += delay;
        this.stats.rateLimitedMs += delay;
        this.#notBefore = Math.max(this.#notBefore, Date.now() + delay);
        this.stats.retries++;
        continue;
      }
      if (response && (response.status < 500 || !idempotent || attempt >= retries)) return response;
      if (!response && (!idempotent || attempt >= retries)) {
        const timedOut = (failure as Error | undefined)?.name === 'TimeoutError';
        const reason = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `connection failed (${describeNetworkError(failure)})`;
        throw this.#fail(what, null, '', !idempotent, reason + (attempt > 0 ? ` after ${attempt + 1} attempts` : ''));
      }
      this.stats.retries++;
      await sleep(backoffMs(attempt));
    }
  }

  #fail(what: string, status: number | null, body: string, uncertainOverride: boolean, reason?: string): Error {
    const { cloud } = this.settings;
    const message = reason ?? `${status} ${faultMessage(body)}`;
    // A 5xx to a POST may have done part of the work (a server may exist); the caller checks.
    const uncertain = uncertainOverride || (status !== null && status >= 500);
    const cause = new OpenStackHttpError(message, status, uncertain);
    if (status === 404) return new NotFoundError(`cloud "${cloud}": ${what}: ${faultMessage(body)}`, { cause });
    if (status !== null && status >= 400 && status < 500 && status !== 429 && status !== 408) {
      return new UserError(`cloud "${cloud}": ${what} was refused (${status}): ${faultMessage(body)}`, { cause });
    }
    return new BackendError('openstack', what, cause, `cloud "${cloud}": ${what} failed: ${message}`);
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < MAX_IN_FLIGHT) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    this.#queue.shift()?.();
  }
}

/** Why a request got no answer (`ECONNRESET`, `ECONNREFUSED` …), without any URL credentials. */
function describeNetworkError(error: unknown): string {
  const failure = error as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  return failure?.code ?? failure?.cause?.code ?? failure?.cause?.message ?? failure?.message ?? 'unknown error';
}

/** The OpenStackHttpError behind an error, if there is one. */
export function httpCause(error: unknown): OpenStackHttpError | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof OpenStackHttpError ? cause : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
