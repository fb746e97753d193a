/**
 * @module store/sql/server
 * What the PostgreSQL and MySQL stores share about reaching a database server: reading `database.url`
 * without ever echoing its password, and turning a failure to reach the server into one clear line that
 * names host:port. Each backend adds its own server errors (wrong password, missing database).
 */
import { BackendError, UserError } from '../../core/errors.ts';

/** What a masked password looks like (the width of the config's mask, so its length reveals nothing). */
const MASK = '********';

/** How one server backend spells its URLs. */
export interface ServerKind {
  /** `postgres`, `mysql`: the backend name in messages from BackendError. */
  backend: string;
  /** `PostgreSQL`, `MySQL`: the server's name in messages. */
  label: string;
  /** URL schemes accepted, without the colon. */
  schemes: readonly string[];
  defaultPort: number;
}

/** A parsed `database.url`. */
export interface ServerTarget {
  kind: ServerKind;
  /** The URL as given, password included: for the driver only. */
  url: URL;
  /** The URL with every password masked: safe to print. */
  location: string;
  host: string;
  port: number;
  /** `host:port`, for messages. */
  address: string;
  database: string;
  user: string;
  /** The password, decoded ('' when none): for drivers that take it apart from the URL. */
  password: string;
  /** The password, raw and decoded: text that must never reach a message. */
  secrets: string[];
}

/** Parse and check a server URL; errors name the problem but never repeat the URL (it may hold a password). */
export function parseServerUrl(text: string, kind: ServerKind): ServerTarget {
  const example = `${kind.schemes[0]}://user:password@host:${kind.defaultPort}/database`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // No cause: Node's URL error carries the input, password included.
    throw new UserError(`database.url is not a valid URL`, { hint: `write it as ${example}` });
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!kind.schemes.includes(scheme)) {
    throw new UserError(`database.url for ${kind.label} must start with ${kind.schemes.map((s) => `${s}://`).join(' or ')}, not ${scheme}://`, {
      hint: `write it as ${example}`,
    });
  }
  const secrets = new Set<string>();
  const addSecret = (value: string) => {
    if (!value) return;
    secrets.add(value);
    secrets.add(safeDecode(value));
  };
  const masked = new URL(url.href);
  if (url.password) {
    addSecret(url.password);
    masked.password = MASK;
  }
  // libpq-style `?password=…` is as secret as the userinfo one.
  for (const [key, value] of url.searchParams) {
    if (/pass/i.test(key)) {
      addSecret(value);
      masked.searchParams.set(key, MASK);
    }
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = url.port ? Number(url.port) : kind.defaultPort;
  const database = safeDecode(url.pathname.replace(/^\//, ''));
  if (!database) throw new UserError(`database.url names no database: ${masked.href}`, { hint: `write it as ${example}` });
  return {
    kind,
    url,
    location: masked.href,
    host,
    port,
    address: `${url.hostname || 'localhost'}:${port}`,
    database,
    user: safeDecode(url.username),
    password: safeDecode(url.password),
    secrets: [...secrets].sort((a, b) => b.length - a.length),
  };
}

/** `text` with every secret of the target replaced by the mask. */
export function redact(text: string, target: ServerTarget): string {
  let out = text;
  for (const secret of target.secrets) out = out.split(secret).join(MASK);
  return out;
}

/** The error to keep as `cause`: the original, unless its message would show the password. */
export function safeCause(error: unknown, target: ServerTarget): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (redact(message, target) === message) return error;
  const copy = new Error(redact(message, target));
  copy.name = error instanceof Error ? error.name : 'Error';
  return copy;
}

/** The pool size asked for (default 2: a CLI does one thing at a time), refused unless a whole number ≥ 1. */
export function checkPoolSize(poolSize: number | undefined, kind: ServerKind): number {
  const size = poolSize ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new UserError(`the ${kind.label} pool size must be a whole number of at least 1, not ${size}`);
  return size;
}

/**
 * A driver error as a clear one: network failures name host:port (a UserError, with a hint), whatever
 * `specific` recognises comes from there, anything else is a BackendError saying what we were doing.
 */
export function describeServerError(
  error: unknown,
  target: ServerTarget,
  operation: string,
  specific: (code: string | undefined, error: unknown) => Error | undefined,
): Error {
  if (error instanceof UserError) return error;
  const { label, backend } = target.kind;
  const code = (error as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : undefined;
  const known = specific(codeText, error);
  if (known) return known;
  const message = redact(error instanceof Error ? error.message : String(error), target);
  const cause = safeCause(error, target);
  const unreachable = (why: string, hint: string) =>
    new UserError(`cannot connect to ${label} at ${target.address}: ${why}`, { cause, hint });
  switch (codeText) {
    case 'ECONNREFUSED':
      return unreachable('connection refused', `is ${label} running and listening there? check database.url in cloudmesh.yaml`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return unreachable(`host ${target.host} not found`, 'check the host name in database.url');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return unreachable('the server does not answer', 'check the host, the port and any firewall between');
  }
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    return unreachable('timed out', 'check the host, the port and any firewall between');
  }
  return new BackendError(backend, operation, cause, `${backend}: could not ${operation} at ${target.address} (${message})`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
