/**
 * @module server/input
 * Turns a request into a command's input object using the command's own option and positional specs,
 * with the same checks the argv parser makes (required, choices, numbers). GET reads the query string
 * (`?ids=1&ids=2` for lists); POST and DELETE read a JSON object body. Keys are the input keys
 * (`cpusPerTask`); the kebab-case option names are accepted too. `dryRun` is the one reserved key.
 */
import { inputKey, type CommandSpec, type OptionSpec, type PositionalSpec } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';

type Param = { key: string; aliases: string[]; kind: 'string' | 'number' | 'boolean' | 'list'; numeric: boolean; spec: OptionSpec | PositionalSpec; label: string };

/** Every parameter of a spec with its input key and JSON kind (a variadic positional is a list). */
export function parametersOf(spec: CommandSpec): Param[] {
  const options = (spec.options ?? []).map((o): Param => ({ key: inputKey(o.name), aliases: [o.name], kind: o.type, numeric: o.type === 'number', spec: o, label: `--${o.name}` }));
  const positionals = (spec.positionals ?? []).map((p): Param => ({
    key: inputKey(p.name),
    aliases: [p.name],
    kind: p.variadic ? 'list' : p.type === 'number' ? 'number' : 'string',
    numeric: p.type === 'number',
    spec: p,
    label: p.name.toUpperCase(),
  }));
  return [...positionals, ...options];
}

/** Raw values by name: from a query string, or from a parsed JSON body. */
export type RawInput = { get(name: string): unknown; keys(): string[] };

export function fromQuery(url: URL): RawInput {
  const params = url.searchParams;
  return {
    get: (name) => {
      const all = params.getAll(name);
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
    },
    keys: () => [...new Set(params.keys())],
  };
}

export function fromBody(body: unknown): RawInput {
  if (body === undefined || body === null) return { get: () => undefined, keys: () => [] };
  if (typeof body !== 'object' || Array.isArray(body)) throw new UsageError('the request body must be a JSON object');
  const record = body as Record<string, unknown>;
  return { get: (name) => record[name], keys: () => Object.keys(record) };
}

/** Build and check the input; returns it with the dry-run flag taken out. */
export function buildInput(spec: CommandSpec, raw: RawInput, fromQueryString: boolean): { input: Record<string, unknown>; dryRun: boolean } {
  const params = parametersOf(spec);
  const known = new Set(['dryRun', 'dry-run', ...params.flatMap((p) => [p.key, ...p.aliases])]);
  for (const key of raw.keys()) {
    if (!known.has(key)) throw new UsageError(`unknown parameter "${key}" for "${spec.path.join(' ')}"${didYouMean(key, [...known])}`);
  }
  const input: Record<string, unknown> = {};
  for (const param of params) {
    const value = raw.get(param.key) ?? raw.get(param.aliases[0]!);
    if (value === undefined || value === null) {
      const fallback = 'default' in param.spec ? param.spec.default : undefined;
      if (fallback !== undefined) input[param.key] = fallback;
      else if (param.spec.required) throw new UsageError(`"${spec.path.join(' ')}" needs ${param.label} (${param.key})`);
      continue;
    }
    input[param.key] = convert(param, value, fromQueryString, spec);
  }
  const dry = raw.get('dryRun') ?? raw.get('dry-run');
  const dryRun = dry === undefined ? false : toBoolean(dry, 'dryRun');
  if (dryRun && !spec.destructive) throw new UsageError(`"${spec.path.join(' ')}" does not take dryRun: it changes nothing that could be previewed`);
  return { input, dryRun };
}

function convert(param: Param, value: unknown, fromQueryString: boolean, spec: CommandSpec): unknown {
  const one = (v: unknown): string | number => {
    if (param.numeric) {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new UsageError(`${param.label} must be a number; got ${JSON.stringify(v)}`);
      return n;
    }
    // A JSON body may send a job id as a number; the command expects the text.
    if (typeof v === 'number' && !fromQueryString) return String(v);
    if (typeof v !== 'string') throw new UsageError(`${param.label} must be a string; got ${JSON.stringify(v)}`);
    const choices = param.spec.choices;
    if (choices && !choices.includes(v)) throw new UsageError(`${param.label} of "${spec.path.join(' ')}" must be one of ${choices.join(', ')}; got "${v}"`);
    return v;
  };
  switch (param.kind) {
    case 'boolean':
      return toBoolean(value, param.label);
    case 'list': {
      const list = Array.isArray(value) ? value : [value];
      return list.map(one);
    }
    default:
      if (Array.isArray(value)) throw new UsageError(`${param.label} takes one value`);
      return one(value);
  }
}

function toBoolean(value: unknown, label: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === '') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`${label} must be true or false; got ${JSON.stringify(value)}`);
}
