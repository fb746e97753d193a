/**
 * @module config/secrets
 * Secrets in `cloudmesh.yaml` are written as a literal, `env:VAR` or `file:PATH` and stay that way in the
 * loaded config; they are resolved only when a provider needs them. Everything shown to a user goes
 * through the maskers here, and no error raised here ever contains a secret value.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { CONFIG_SCHEMA, type Schema } from './schema.ts';

/** What a masked secret looks like. Fixed width, so its length reveals nothing. */
export const MASK = '********';

type Env = Readonly<Record<string, string | undefined>>;

/** Options for `resolveSecret`. */
export interface ResolveOptions {
  /** Relative `file:` paths resolve against this (the config home); default the working directory. */
  baseDir?: string;
  /** The key path the value came from, named in errors (`clouds.aws.credentials.secret`). */
  name?: string;
}

/** True for `env:VAR` and `file:PATH` references, which are safe to display. */
export function isSecretReference(value: string): boolean {
  return value.startsWith('env:') || value.startsWith('file:');
}

/**
 * The actual secret: `env:VAR` → the variable's value, `file:PATH` → the file's trimmed content (`~`
 * expanded), anything else → the literal itself. Synchronous on purpose: secret files are tiny, and
 * callers such as error scrubbers must not need to await. Throws `UserError` naming the variable or
 * file, never the value.
 */
export function resolveSecret(value: string, env: Env, options: ResolveOptions = {}): string {
  const where = options.name ? ` (for ${options.name})` : '';
  if (value.startsWith('env:')) {
    const variable = value.slice(4).trim();
    if (!variable) throw new UserError(`secret reference "env:" names no variable${where}`, { hint: 'write env:VARIABLE_NAME' });
    const resolved = env[variable];
    // An empty variable is almost always a forgotten export; failing here beats a confusing auth error later.
    if (resolved === undefined || resolved === '') {
      throw new UserError(`environment variable ${variable} is not set${where}`, {
        hint: `export ${variable}=... before running cm, or change the reference in cloudmesh.yaml`,
      });
    }
    return resolved;
  }
  if (value.startsWith('file:')) {
    const written = value.slice(5).trim();
    if (!written) throw new UserError(`secret reference "file:" names no file${where}`, { hint: 'write file:PATH' });
    const path = expandPath(written, env, options.baseDir);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      // No `cause`: the caller should not have to reason about what an fs error might carry.
      throw new UserError(`secret file ${path} ${readFailure(error)}${where}`, {
        hint: 'create the file (chmod 600) or change the reference in cloudmesh.yaml',
      });
    }
    const trimmed = text.trim();
    if (!trimmed) throw new UserError(`secret file ${path} is empty${where}`);
    return trimmed;
  }
  return value;
}

function expandPath(path: string, env: Env, baseDir: string | undefined): string {
  if (path === '~' || path.startsWith('~/')) return join(env['HOME'] || homedir(), path.slice(1));
  return resolve(baseDir ?? process.cwd(), path);
}

function readFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  if (code === 'EISDIR') return 'is a directory';
  return `cannot be read (${typeof code === 'string' ? code : 'unknown error'})`;
}

/** Key names that hold credentials wherever they appear (free-form settings included). */
const SECRET_NAME = /password|passwd|passphrase|^pass$|^pwd$|token|secret|api[-_]?key|^private|private[-_]?key/i;

/**
 * True when the value at `keyPath` (`a.b.c` or its segments) is a secret by name: anything under
 * `credentials`, `database.url`, and keys such as password, token, secret, apikey/api_key, private….
 */
export function isSecretKey(keyPath: string | readonly string[]): boolean {
  const segments = typeof keyPath === 'string' ? keyPath.split('.') : keyPath;
  const last = segments.at(-1);
  if (last === undefined) return false;
  if (segments.slice(0, -1).includes('credentials')) return true;
  if (segments.length === 2 && segments[0] === 'database' && last === 'url') return true;
  return SECRET_NAME.test(last);
}

/** The URL with its userinfo password replaced, or undefined when it is not a URL with a password. */
function maskUrlPassword(value: string): string | undefined {
  const parts = splitUrlPassword(value);
  return parts && `${parts.before}${MASK}${parts.after}`;
}

function splitUrlPassword(value: string): { before: string; password: string; after: string } | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value);
  if (!match) return undefined;
  const authorityStart = match[0].length - match[1]!.length;
  // The last `@` ends the userinfo, so an unencoded `@` inside a password is still treated as password.
  const at = match[1]!.lastIndexOf('@');
  const colon = match[1]!.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return undefined;
  return {
    before: value.slice(0, authorityStart + colon + 1),
    password: value.slice(authorityStart + colon + 1, authorityStart + at),
    after: value.slice(authorityStart + at),
  };
}

/**
 * A secret as it may be shown: references (`env:X`, `file:Y`) as is, a URL with a password keeps
 * everything but the password, any other literal becomes `********`. A URL without a password is
 * masked whole: its secret may be elsewhere (a token in the path of a webhook).
 */
export function maskValue(value: string): string {
  if (isSecretReference(value)) return value;
  return maskUrlPassword(value) ?? MASK;
}

type Visitor = (text: string, path: readonly string[], isSecret: boolean) => string;

/**
 * Walk the config beside its schema, returning a copy with every string passed through `visit`.
 * A value is secret if the schema flags it, its key path looks secret, or an ancestor was secret.
 */
function mapStrings(schema: Schema | undefined, value: unknown, path: string[], inherited: boolean, visit: Visitor): unknown {
  const isSecret = inherited || schema?.secret === true || (path.length > 0 && isSecretKey(path));
  if (typeof value === 'string') return visit(value, path, isSecret);
  if (isSecret && (typeof value === 'number' || typeof value === 'boolean')) return visit(String(value), path, true);
  if (Array.isArray(value)) return value.map((item, i) => mapStrings(schema?.kind === 'any' ? schema : undefined, item, [...path, String(i)], isSecret, visit));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = mapStrings(childSchema(schema, key), child, [...path, key], isSecret, visit);
  }
  return out;
}

function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema?.kind === 'object') return Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
  if (schema?.kind === 'record') return schema.of;
  if (schema?.kind === 'any') return schema;
  return undefined;
}

/**
 * A deep copy of the config safe to display: every secret masked with `maskValue`, and passwords inside
 * any other URL masked too (a free-form setting may embed one).
 */
export function maskConfig<T extends Config>(config: T): T {
  return mapStrings(CONFIG_SCHEMA, config, [], false, (text, _path, isSecret) =>
    isSecret ? maskValue(text) : (maskUrlPassword(text) ?? text),
  ) as T;
}

/** Every secret-valued string of the config with its key path (`clusters.hpc1.password`), as written. */
export function secretEntries(config: Config): Array<{ key: string; value: string }> {
  const entries: Array<{ key: string; value: string }> = [];
  mapStrings(CONFIG_SCHEMA, config, [], false, (text, path, isSecret) => {
    if (isSecret) entries.push({ key: path.join('.'), value: text });
    return text;
  });
  return entries;
}

/**
 * The secret strings of a config, longest first, for scrubbing output with `maskText`: literals, the
 * passwords inside URLs, and the resolved values of `env:`/`file:` references that resolve (those that
 * do not are skipped, never thrown: scrubbing must not fail).
 */
export function collectSecrets(config: Config, env: Env, options: Pick<ResolveOptions, 'baseDir'> = {}): string[] {
  const found = new Set<string>();
  const add = (secret: string): void => {
    const parts = splitUrlPassword(secret);
    if (!parts) {
      found.add(secret);
      return;
    }
    // Keep the URL recognisable in scrubbed text: only its password (raw and decoded) is secret.
    found.add(parts.password);
    try {
      found.add(decodeURIComponent(parts.password));
    } catch {
      // Not valid percent-encoding: the raw form above is all there is.
    }
  };
  mapStrings(CONFIG_SCHEMA, config, [], false, (text, _path, isSecret) => {
    if (!isSecret) {
      if (splitUrlPassword(text)) add(text);
    } else if (!isSecretReference(text)) {
      add(text);
    } else {
      try {
        add(resolveSecret(text, env, options));
      } catch {
        // Unresolvable reference: there is no value that could leak.
      }
    }
    return text;
  });
  found.delete('');
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Replace every occurrence of the given secrets in `text` with `********`: for error messages and logs
 * that may quote a command line, a URL or a backend's reply. Longest secrets go first, so a secret that
 * contains another is masked whole.
 */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...new Set(secrets)].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join(MASK);
  }
  return out;
}
