/**
 * @module config/schema
 * A tiny declarative schema language and the schema of `cloudmesh.yaml`. Validation works on the plain
 * value YAML produced and reports every problem with its key path; the loader turns paths into lines.
 * Kept dependency-free so validating costs nothing beyond the YAML parse.
 */
import { didYouMean } from '../core/suggest.ts';

/** Flags every schema node may carry. */
interface Common {
  /** The key must be present (and not empty) in its parent object. */
  required?: boolean;
  /** The value is a credential: masked on display and scrubbed from output. */
  secret?: boolean;
}

/** One node of the schema language. */
export type Schema =
  | (Common & { kind: 'object'; fields: Readonly<Record<string, Schema>> })
  | (Common & { kind: 'record'; of: Schema })
  | (Common & { kind: 'string'; coerce?: boolean })
  | (Common & { kind: 'number'; integer?: boolean; min?: number; max?: number })
  | (Common & { kind: 'boolean' })
  | (Common & { kind: 'enum'; values: readonly string[] })
  | (Common & { kind: 'any' });

/** An object with known fields; any other key is an error. */
export function obj(fields: Readonly<Record<string, Schema>>, flags: Common = {}): Schema {
  return { kind: 'object', fields, ...flags };
}
/** A map from any name to values of one schema (`clouds`, `clusters`, `credentials`). */
export function record(of: Schema, flags: Common = {}): Schema {
  return { kind: 'record', of, ...flags };
}
/** A string. `coerce` also accepts numbers and booleans (as their text), for free-form defaults. */
export function str(flags: Common & { coerce?: boolean } = {}): Schema {
  return { kind: 'string', ...flags };
}
/** A string holding a credential: a literal, `env:VAR` or `file:PATH`. */
export function secret(flags: Common = {}): Schema {
  return { kind: 'string', ...flags, secret: true };
}
/** A finite number, optionally an integer within bounds. */
export function num(flags: Common & { integer?: boolean; min?: number; max?: number } = {}): Schema {
  return { kind: 'number', ...flags };
}
/** `true` or `false` (YAML 1.2: `yes`/`no` are strings, and rejected). */
export function bool(flags: Common = {}): Schema {
  return { kind: 'boolean', ...flags };
}
/** One string out of a fixed list. */
export function oneOf(values: readonly string[], flags: Common = {}): Schema {
  return { kind: 'enum', values, ...flags };
}
/** Anything; used for provider-specific settings we cannot know in advance. */
export function anyValue(flags: Common = {}): Schema {
  return { kind: 'any', ...flags };
}

/** The schedulers a cluster may name. */
export const SCHEDULERS = ['local', 'slurm', 'pbs', 'sge'] as const;
/** How commands reach a cluster. */
export const TRANSPORTS = ['local', 'ssh', 'rest'] as const;
/** Database backends the config may name (the store registry decides which are available). */
export const DATABASE_BACKENDS = ['sqlite', 'postgres', 'mysql', 'mongo'] as const;

/** The schema of `cloudmesh.yaml`. */
export const CONFIG_SCHEMA: Schema = obj({
  version: num({ required: true, integer: true }),
  profile: obj({ user: str(), email: str() }),
  clouds: record(
    obj({
      kind: str({ required: true }),
      active: bool(),
      credentials: record(secret()),
      settings: record(anyValue()),
      default: record(str({ coerce: true })),
    }),
  ),
  clusters: record(
    obj({
      scheduler: oneOf(SCHEDULERS, { required: true }),
      transport: oneOf(TRANSPORTS),
      host: str(),
      user: str(),
      port: num({ integer: true, min: 1, max: 65535 }),
      key: str(),
      workdir: str(),
      partition: str(),
      accounting: oneOf(['auto', 'sacct', 'scontrol']),
      password: secret(),
      token: secret(),
      // ssh transport: known_hosts file, trusting a first-seen host key, jump host, key passphrase.
      known_hosts: str(),
      accept_new_host_key: bool(),
      proxy_jump: str(),
      passphrase: secret(),
      // rest transport (slurmrestd): base URL and OpenAPI version (discovered when absent).
      url: str(),
      api_version: str(),
    }),
  ),
  database: obj({ backend: oneOf(DATABASE_BACKENDS), path: str(), url: secret() }),
  server: obj({ host: str(), port: num({ integer: true, min: 0, max: 65535 }) }),
  comet: obj({
    username: str(),
    active: str(),
    endpoints: record(
      obj({
        nucleus_base_url: str({ required: true }),
        api_version: str(),
        auth_provider: oneOf(['apikey', 'userpass']),
        api_key: str(),
        api_secret: secret(),
        password: secret(),
      }),
    ),
  }),
});

/** One validation failure. `path` is the key it is about (the parent, for a missing key). */
export interface Problem {
  path: readonly string[];
  message: string;
}

/** The outcome of validation: a cleaned copy (empty optional values dropped) and every problem found. */
export interface Validated {
  value: unknown;
  problems: Problem[];
}

/** Names that would reach `Object.prototype` if used as plain object keys. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Check `value` against `schema`. Never throws; collects all problems so the user fixes them in one go. */
export function validate(schema: Schema, value: unknown): Validated {
  const problems: Problem[] = [];
  const cleaned = check(schema, value, [], problems);
  return { value: cleaned, problems };
}

function check(schema: Schema, value: unknown, path: string[], problems: Problem[]): unknown {
  const fail = (message: string): undefined => {
    problems.push({ path, message });
    return undefined;
  };
  switch (schema.kind) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      if (schema.coerce && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
      return fail(`expected a string, got ${describe(value, schema.secret)}${quoteHint(value)}`);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`expected a number, got ${describe(value, schema.secret)}`);
      if (schema.integer && !Number.isInteger(value)) return fail(`expected a whole number, got ${value}`);
      if (schema.min !== undefined && value < schema.min) return fail(`must be at least ${schema.min}, got ${value}`);
      if (schema.max !== undefined && value > schema.max) return fail(`must be at most ${schema.max}, got ${value}`);
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      return fail(`expected true or false, got ${describe(value, schema.secret)}`);
    case 'enum':
      if (typeof value === 'string' && schema.values.includes(value)) return value;
      return fail(
        `expected one of ${schema.values.join(', ')}, got ${describe(value, schema.secret)}` +
          (typeof value === 'string' ? didYouMean(value.toLowerCase(), schema.values) : ''),
      );
    case 'record':
    case 'object': {
      if (!isPlainMapping(value)) return fail(`expected a mapping (key: value lines), got ${describe(value, schema.secret)}`);
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const childPath = [...path, key];
        if (RESERVED_KEYS.has(key)) {
          problems.push({ path: childPath, message: 'reserved name, choose another' });
          continue;
        }
        const childSchema = schema.kind === 'record' ? schema.of : Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
        if (!childSchema) {
          const known = Object.keys((schema as { fields: Record<string, Schema> }).fields);
          problems.push({ path: childPath, message: `unknown key${didYouMean(key, known)}` });
          continue;
        }
        // `key:` with nothing after it is YAML null: treat it as "not set" (the template relies on this).
        if (child === null || child === undefined) {
          if (childSchema.required) problems.push({ path: childPath, message: 'needs a value' });
          continue;
        }
        const checked = check(childSchema, child, childPath, problems);
        if (checked !== undefined) out[key] = checked;
      }
      if (schema.kind === 'object') {
        for (const [key, field] of Object.entries(schema.fields)) {
          if (field.required && !Object.hasOwn(value, key)) problems.push({ path, message: `missing required key "${key}"` });
        }
      }
      return out;
    }
  }
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe rendering of a bad value; a secret's value is never echoed, only its type. */
export function describe(value: unknown, isSecret = false): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (isSecret) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}

/** YAML reads `007` as the number 7 and `true` as a boolean; tell the user how to keep the text. */
function quoteHint(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' ? ' (put it in quotes to use it as text)' : '';
}

/** `clusters.hpc1.port`; names that are not plain words are quoted so the path stays unambiguous. */
export function formatPath(path: readonly string[]): string {
  return path.map((key) => (/^[\w-]+$/.test(key) ? key : JSON.stringify(key))).join('.');
}
