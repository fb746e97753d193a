/**
 * @module providers/compute/openstack/sources
 * Reading the files OpenStack users already have: `clouds.yaml` (with `secure.yaml` merged over it, as
 * openstacksdk does) and `openrc` shell files. Both become the same clouds.yaml-shaped entry, so the rest
 * of the provider knows one format. Nothing here prints or returns a secret inside an error message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../../../core/errors.ts';

/** One cloud of a clouds.yaml (`clouds.NAME`), the shape openstacksdk reads. */
export interface CloudsEntry {
  auth?: Record<string, unknown>;
  auth_type?: string;
  region_name?: string;
  interface?: string;
  [key: string]: unknown;
}

/** Where openstacksdk looks for clouds.yaml, in its order (the working directory first). */
export function cloudsYamlCandidates(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): string[] {
  const home = env['HOME'] || homedir();
  return [
    ...(env['OS_CLIENT_CONFIG_FILE'] ? [env['OS_CLIENT_CONFIG_FILE']] : []),
    join(cwd, 'clouds.yaml'),
    join(home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

/** The first clouds.yaml that exists, or a clear error listing where we looked. */
export function findCloudsYaml(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): string {
  const candidates = cloudsYamlCandidates(env, cwd);
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new UserError(`no clouds.yaml found (looked in ${candidates.join(', ')})`, { hint: 'cm register clouds.yaml FILE' });
  return found;
}

/** The secure.yaml that belongs to a clouds.yaml: the one beside it, if any. */
export function secureYamlBeside(cloudsYaml: string): string | undefined {
  const path = join(dirname(cloudsYaml), 'secure.yaml');
  return existsSync(path) ? path : undefined;
}

/**
 * Every cloud of `path` with `securePath`'s entries deep-merged over it. Errors name the file and the
 * problem, never a value from it.
 */
export async function readCloudsYaml(path: string, securePath?: string): Promise<Record<string, CloudsEntry>> {
  const clouds = await readCloudsSection(path);
  if (securePath) {
    const secure = await readCloudsSection(securePath);
    // Only over clouds the clouds.yaml has: a secure.yaml holds secrets for them, not clouds of its own.
    for (const [name, entry] of Object.entries(secure)) if (clouds[name]) clouds[name] = deepMerge(clouds[name], entry) as CloudsEntry;
  }
  return clouds;
}

async function readCloudsSection(path: string): Promise<Record<string, CloudsEntry>> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UserError(`cannot read ${absolute}: ${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'}`);
  }
  const { parseDocument } = await import('../../../vendor/yaml.ts');
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    // The yaml library's message quotes the offending text, which could be a password: report its code only.
    throw new UserError(`${absolute}${line ? `:${line}` : ''}: not valid YAML (${first.code})`);
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as { clouds?: unknown } | null;
  const clouds = data?.clouds;
  if (!isRecord(clouds)) throw new UserError(`${absolute}: has no "clouds:" map`, { hint: 'a clouds.yaml starts with clouds: NAME: auth: {auth_url: …}' });
  const result: Record<string, CloudsEntry> = {};
  for (const [name, entry] of Object.entries(clouds)) {
    if (!isRecord(entry)) throw new UserError(`${absolute}: clouds.${name} is not a map`);
    result[name] = entry as CloudsEntry;
  }
  return result;
}

/** openrc variables and the clouds.yaml key each becomes (`auth.` keys go under `auth:`). */
const OPENRC_KEYS: Record<string, string> = {
  OS_AUTH_URL: 'auth.auth_url',
  OS_USERNAME: 'auth.username',
  OS_USER_ID: 'auth.user_id',
  OS_PASSWORD: 'auth.password',
  OS_PROJECT_NAME: 'auth.project_name',
  OS_TENANT_NAME: 'auth.project_name',
  OS_PROJECT_ID: 'auth.project_id',
  OS_TENANT_ID: 'auth.project_id',
  OS_USER_DOMAIN_NAME: 'auth.user_domain_name',
  OS_USER_DOMAIN_ID: 'auth.user_domain_id',
  OS_PROJECT_DOMAIN_NAME: 'auth.project_domain_name',
  OS_PROJECT_DOMAIN_ID: 'auth.project_domain_id',
  OS_APPLICATION_CREDENTIAL_ID: 'auth.application_credential_id',
  OS_APPLICATION_CREDENTIAL_NAME: 'auth.application_credential_name',
  OS_APPLICATION_CREDENTIAL_SECRET: 'auth.application_credential_secret',
  OS_AUTH_TYPE: 'auth_type',
  OS_REGION_NAME: 'region_name',
  OS_INTERFACE: 'interface',
  OS_ENDPOINT_TYPE: 'interface',
};

/**
 * The `export OS_…=…` assignments of an openrc as a clouds.yaml entry. Only literal values count: a value
 * that needs the shell (`$OS_PASSWORD_INPUT`, `$(…)`) is left out, so the caller asks for a reference instead.
 * The file is never run.
 */
export function parseOpenrc(text: string): { entry: CloudsEntry; dynamic: string[] } {
  const entry: CloudsEntry = { auth: {} };
  const dynamic: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = shellWords(line);
    if (words[0]?.text === 'export') words.shift();
    for (const word of words) {
      const match = /^(OS_[A-Z_]+)=([\s\S]*)$/.exec(word.text);
      if (!match) continue;
      const target = OPENRC_KEYS[match[1]!];
      if (!target) continue;
      if (word.dynamic) {
        dynamic.push(match[1]!);
        continue;
      }
      let value = match[2]!;
      if (target === 'interface') value = value.replace(/URL$/i, '').toLowerCase();
      if (target.startsWith('auth.')) entry.auth![target.slice(5)] = value;
      else entry[target] = value;
    }
  }
  return { entry, dynamic: [...new Set(dynamic)] };
}

/** Shell-like words of one line: quotes removed, a `#` word ends the line; `$`/backticks outside single quotes mark it dynamic. */
function shellWords(line: string): Array<{ text: string; dynamic: boolean }> {
  const words: Array<{ text: string; dynamic: boolean }> = [];
  let text = '';
  let dynamic = false;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push({ text, dynamic });
      [text, dynamic, inWord] = ['', false, false];
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      text += line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) text += line[++j];
        else {
          if (line[j] === '$' || line[j] === '`') dynamic = true;
          text += line[j];
        }
      }
      i = j;
      inWord = true;
    } else {
      if (c === '\\' && i + 1 < line.length) text += line[++i];
      else {
        if (c === '$' || c === '`' || c === ';' || c === '|' || c === '&') dynamic = true;
        text += c;
      }
      inWord = true;
    }
  }
  if (inWord) words.push({ text, dynamic });
  return words;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(base[key], value);
  return merged;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
