/**
 * @module config/edit
 * The one place cloudmesh rewrites `cloudmesh.yaml`: `cm db use` replacing the `database:` section, and
 * `cm register`/`cm cloud` setting one entry of `clouds:` or `clusters:`. Everything else in the file (comments, order, other sections) is kept by editing the parsed YAML document rather than
 * regenerating the file. The edit is refused, changing nothing, when the file does not validate now or when
 * the result would not validate or would mean anything different outside `database:`. The original is
 * copied to `cloudmesh.yaml.bak-<time>` first, and the new text replaces it by rename, so a reader sees the
 * old file or the new one, never half of either.
 */
import { open, readFile, realpath, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config, DatabaseConfig } from '../core/config.ts';
import { ConfigError, UserError } from '../core/errors.ts';
import { CONFIG_VERSION, configPath, loadConfig } from './load.ts';
import { CONFIG_SCHEMA, validate } from './schema.ts';

/** What `setDatabaseSection` did. */
export interface EditResult {
  /** The config file. */
  path: string;
  /** The copy of the previous file; absent when nothing changed. */
  backup?: string;
  /** False when the file already said exactly this. */
  changed: boolean;
}

/** The options of `setDatabaseSection`. */
export interface EditOptions {
  /** For validating the current file (profile defaults); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Time stamped on the backup's name; default now. */
  now?: Date;
}

/** Options the loader parses with: the edit must read the file exactly as `loadConfig` does. */
const PARSE = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/**
 * Make the `database:` section of `<home>/cloudmesh.yaml` exactly `section` (keys it lacks are removed).
 * Refuses with `ConfigError`, leaving the file untouched, when the current file is invalid.
 */
export async function setDatabaseSection(home: string, section: DatabaseConfig, options: EditOptions = {}): Promise<EditResult> {
  const wanted = Object.fromEntries(Object.entries(section).filter(([, value]) => value !== undefined && value !== ''));
  return setConfigSection(home, 'database', wanted, { ...options, command: 'cm db use' });
}

/**
 * Set one entry of a map section (`clouds.NAME`, `clusters.NAME`), or remove it with `undefined`. This is
 * how `cm register` and `cm cloud activate` change the file: the rest of the file is kept as written.
 */
export async function setConfigEntry(
  home: string,
  section: 'clouds' | 'clusters',
  name: string,
  entry: Record<string, unknown> | undefined,
  options: EditOptions & { command?: string } = {},
): Promise<EditResult> {
  const config = await loadValid(home, options);
  const current = { ...(section === 'clouds' ? config.clouds : config.clusters) } as Record<string, unknown>;
  // The loader adds the built-in local cluster; it is not part of the file.
  if (section === 'clusters' && !config.raw?.clusters?.local) delete current.local;
  if (entry === undefined) delete current[name];
  else current[name] = entry;
  return setConfigSection(home, section, current, options);
}

/**
 * Make the top-level `key:` section of `<home>/cloudmesh.yaml` exactly `section`. Deletes the config cache
 * afterwards (harmless to keep, as it is keyed by the file's text, but it would be stale).
 */
export async function setConfigSection(
  home: string,
  key: string,
  section: Record<string, unknown>,
  options: EditOptions & { command?: string } = {},
): Promise<EditResult> {
  const path = configPath(home);
  const command = options.command ?? 'cm';
  await loadValid(home, options);
  const text = await readFile(path, 'utf8');
  const next = await withSection(text, key, section, path);
  if (next === text) return { path, changed: false };

  const backup = await writeBackup(path, text, options.now ?? new Date());
  // Through a symlinked config (dotfiles), the real file is replaced and the link kept.
  const target = await realpath(path);
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writePrivate(temp, next);
    // Another edit since we read it (an editor, a second cm command) must not be overwritten silently.
    if ((await readFile(path, 'utf8')) !== text) throw new UserError(`${path} changed while ${command} was editing it; nothing was changed`, { hint: `run ${command} again` });
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    await unlink(backup).catch(() => undefined);
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot write ${path}: ${(error as Error).message}; nothing was changed`, { cause: error });
  }
  await rm(join(home, '.cache', 'config.json'), { force: true }).catch(() => undefined);
  return { path, backup, changed: true };
}

/** The current config, which must be valid before anything is changed. Creates the template on first use. */
async function loadValid(home: string, options: EditOptions & { command?: string }): Promise<Config & { raw?: { clusters?: Record<string, unknown> } }> {
  const path = configPath(home);
  try {
    const config = await loadConfig(home, options.env ?? process.env, () => undefined);
    const { parseDocument } = await import('../vendor/yaml.ts');
    const raw = parseDocument(await readFile(path, 'utf8'), PARSE).toJS({ maxAliasCount: 100 }) as { clusters?: Record<string, unknown> } | null;
    return { ...config, raw: raw ?? {} };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`${path} is not valid, so it was not changed:\n${error.message}`, { hint: `fix it first (cm config check), then run ${options.command ?? 'the command'} again` });
  }
}

/**
 * The file's text with `database:` set to `section`. The Document API produces the new section (keeping the
 * comments inside it); that section's text is then spliced into the original in place of the old one, so
 * every other byte stays as written (yaml's printer would re-space trailing comments and blank lines). Each
 * candidate is checked as the loader will read it; the printer's whole output is the fallback.
 */
async function withSection(text: string, key: string, section: Record<string, unknown>, path: string): Promise<string> {
  const { isMap, parseDocument } = await import('../vendor/yaml.ts');
  const doc = parseDocument(text, PARSE);
  const before = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  if (isDeepStrictEqual(before?.[key], section)) return text;
  const oldSpan = sectionSpan(doc, key);
  const current = doc.get(key, true);
  const merges = isMap(current) && current.items.some((pair) => keyName(pair.key) === '<<');
  if (isMap(current) && !merges) {
    // In place: the comments on `database:` and on the keys that stay are kept.
    for (const pair of [...current.items]) if (!Object.hasOwn(section, keyName(pair.key))) current.delete(pair.key);
    for (const [name, value] of Object.entries(section)) {
      const existing = current.get(name, true);
      if (!isDeepStrictEqual((existing as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? existing, value)) current.set(name, doc.createNode(value));
    }
  } else {
    doc.set(key, doc.createNode(section));
  }
  const printed = doc.toString({ lineWidth: 0, indent: indentOf(text) });
  const newSpan = sectionSpan(parseDocument(printed, PARSE), key);
  const candidates = [printed];
  if (newSpan) {
    let replacement = printed.slice(newSpan[0], newSpan[1]);
    if (oldSpan) {
      // Spans end differently (a block section with its newline, `database:` or a flow map without): keep the old ending.
      replacement = replacement.trimEnd() + /\s*$/.exec(text.slice(oldSpan[0], oldSpan[1]))![0];
      candidates.unshift(text.slice(0, oldSpan[0]) + replacement + text.slice(oldSpan[1]));
    } else {
      candidates.unshift(`${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${replacement}${replacement.endsWith('\n') ? '' : '\n'}`);
    }
  }
  const good = candidates.find((candidate) => means(candidate, before, key, section, parseDocument));
  if (good === undefined) {
    throw new ConfigError(`cannot change the ${key} section of ${path} automatically (its YAML uses anchors or merges that the edit would disturb); nothing was changed`, {
      hint: `edit it by hand: ${key}: ${JSON.stringify(section)}`,
    });
  }
  return good;
}

type ParseDocument = (typeof import('../vendor/yaml.ts'))['parseDocument'];

/** True when `text` loads as a valid config that is `before` with `key` replaced by `section`. */
function means(text: string, before: Record<string, unknown> | null, key: string, section: Record<string, unknown>, parseDocument: ParseDocument): boolean {
  const doc = parseDocument(text, PARSE);
  if (doc.errors.length > 0) return false;
  const after = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  if (validate(CONFIG_SCHEMA, after).problems.length > 0) return false;
  if (after?.version !== undefined && after.version !== CONFIG_VERSION) return false;
  return isDeepStrictEqual(without(before, key), without(after, key)) && isDeepStrictEqual(after?.[key], section);
}

/** Where the top-level `key:` pair is in the document's text: from its key to the end of its value. */
function sectionSpan(doc: ReturnType<ParseDocument>, key: string): [number, number] | undefined {
  const contents = doc.contents as { items?: Array<{ key: unknown; value: unknown }> } | null;
  const pair = contents?.items?.find((item) => keyName(item.key) === key);
  const start = (pair?.key as { range?: number[] } | undefined)?.range?.[0];
  const end = ((pair?.value ?? pair?.key) as { range?: number[] } | undefined)?.range?.[2];
  return start !== undefined && end !== undefined ? [start, end] : undefined;
}

function keyName(key: unknown): string {
  return String(typeof key === 'object' && key !== null && 'value' in key ? (key as { value: unknown }).value : key);
}

function without(value: Record<string, unknown> | null | undefined, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value ?? {};
  return rest;
}

/** The indentation the file already uses (its first indented key), so the rewrite does not re-indent it. */
function indentOf(text: string): number {
  const match = /^( +)[^\s#-]/m.exec(text);
  const width = match?.[1]?.length ?? 2;
  return width >= 1 && width <= 8 ? width : 2;
}

/** `cloudmesh.yaml.bak-2025-01-31T12-00-00-000Z` (mode 0600), never overwriting an earlier backup. */
async function writeBackup(path: string, text: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let attempt = 0; ; attempt++) {
    const backup = `${path}.bak-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    try {
      await writePrivate(backup, text);
      return backup;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST' || attempt >= 100) {
        throw new UserError(`cannot write the backup ${backup}: ${(error as Error).message}; nothing was changed`, { cause: error });
      }
    }
  }
}

/** Create `path` exclusively with mode 0600 and flush it to disk. */
async function writePrivate(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
