/**
 * @module config/load
 * Finds, creates on first use, parses and validates `cloudmesh.yaml`. Runs on most commands, so the
 * common path is one open, one fstat, one read (synchronous) and a cache hit (config/cache.ts); `yaml` is
 * imported lazily because commands that never read the config must not pay for it. Loading only ever
 * creates the file, never rewrites it: a broken file is reported with FILE:LINE and left exactly as it was.
 * (The one explicit edit is `cm db use`, through config/edit.ts, with a backup first.)
 */
// Synchronous on purpose: creating the file happens once per home, and node:fs/promises costs every
// `cm` run ~2 ms to load.
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig, Config } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { readCached, writeCached } from './cache.ts';
import { CONFIG_SCHEMA, formatPath, validate, type Problem } from './schema.ts';
import { isSecretReference, secretEntries } from './secrets.ts';

/** The config file's name inside `$CLOUDMESH_HOME`. */
export const CONFIG_FILE = 'cloudmesh.yaml';

/** The one version of the file format this code reads. */
export const CONFIG_VERSION = 1;

/** The cluster that always exists: jobs run on this machine. */
export const LOCAL_CLUSTER: Readonly<ClusterConfig> = { scheduler: 'local', transport: 'local' };

/** At most this many problems are listed; past that the user is fixing the wrong file. */
const MAX_PROBLEMS = 20;

/** Written on first use. Valid as is; commented examples are indented so uncommenting just works. */
export const CONFIG_TEMPLATE = `# cloudmesh configuration. Check it after editing with: cm config check
# Secrets (credentials, password, token, database url) may be written as env:VARIABLE or file:PATH
# instead of the value itself; keep this file private (chmod 600) if it holds any literal secret.
version: 1

# profile:
#   user: alice
#   email: alice@example.org

# Clouds to start VMs on.
clouds:
  # aws:
  #   kind: aws
  #   active: true
  #   credentials:
  #     access_key_id: env:AWS_ACCESS_KEY_ID
  #     secret_access_key: file:~/.cloudmesh/aws.secret
  #   default:
  #     region: us-east-1

# HPC clusters. "local" (jobs on this machine) always exists without being listed.
clusters:
  # hpc1:
  #   scheduler: slurm          # local | slurm | pbs | sge
  #   transport: ssh            # local | ssh | rest
  #   host: login.hpc.example.org
  #   user: alice
  #   key: ~/.ssh/id_ed25519
  #   workdir: /scratch/alice
  #   partition: normal

# Where cloudmesh keeps its state (sqlite: cloudmesh.db in this directory unless path is set).
database:
  backend: sqlite
`;

/** `<home>/cloudmesh.yaml`. */
export function configPath(home: string): string {
  return join(home, CONFIG_FILE);
}

/**
 * Create `home` (0700) and, if there is no config file yet, the commented template (0600). Safe against
 * a concurrent first run: the file is created exclusively, and an existing file is never touched.
 * Returns true when this call created the file.
 */
export async function ensureConfig(home: string): Promise<boolean> {
  const path = configPath(home);
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    return createExclusive(path, CONFIG_TEMPLATE);
  } catch (error) {
    throw new ConfigError(`cannot create ${path}: ${errorText(error)}`, { cause: error, hint: 'check that CLOUDMESH_HOME is writable' });
  }
}

/**
 * Write a private temp file, then hard-link it into place: `link` fails with EEXIST rather than replace,
 * and a concurrent reader never sees a half-written file. Where hard links are unsupported, fall back
 * to writing the target directly with `wx`, which still never clobbers.
 */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeNew(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  try {
    writeNew(path, text);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    throw error;
  }
}

function writeNew(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeFileSync(fd, text, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Load `<home>/cloudmesh.yaml` (creating it on first use), validate it and fill defaults. `warn` gets
 * non-fatal notices (a file others can read, YAML warnings). Throws `ConfigError` listing every problem
 * as `FILE:LINE: key.path: message`.
 */
export async function loadConfig(home: string, env: Readonly<Record<string, string | undefined>>, warn: (message: string) => void): Promise<Config> {
  const path = configPath(home);
  const { text, mode } = await readConfigFile(home, path);
  // Group/other bits mean any local user may read literal secrets; Windows has no such bits.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warn(`${path} is readable by group/others; run: chmod 600 ${path}`);
  }
  const cached = readCached<FileShape>(home, text);
  if (cached) return withDefaults(path, cached, env);
  let warned = false;
  const parsed = await parseYaml(path, text, (message) => {
    warned = true;
    warn(message);
  });
  const { value, problems } = validate(CONFIG_SCHEMA, parsed.value);
  const file = (value ?? {}) as FileShape;
  if (file.version !== undefined && file.version !== CONFIG_VERSION) {
    problems.push({ path: ['version'], message: `unsupported version ${file.version} (this cm reads version ${CONFIG_VERSION})` });
  }
  if (problems.length > 0) {
    // In file order (the sort is stable), so the list reads top to bottom like the file.
    const located = problems.map((problem) => ({ line: parsed.lineOf(problem.path), problem }));
    located.sort((a, b) => a.line - b.line);
    throw invalid(path, located.map(({ line, problem }) => describeProblem(path, line, problem)));
  }
  const config = withDefaults(path, file, env);
  // Only a clean file without literal secrets is cached (see config/cache.ts).
  if (!warned && secretEntries(config).every(({ value }) => isSecretReference(value))) writeCached(home, text, file);
  return config;
}

/** What validation guarantees about the file's content (all optional except what `required` enforces). */
interface FileShape {
  version?: number;
  profile?: { user?: string; email?: string };
  clouds?: Config['clouds'];
  clusters?: Config['clusters'];
  database?: Partial<Config['database']>;
  server?: { host?: string; port?: number };
  comet?: Config['comet'];
}

async function readConfigFile(home: string, path: string): Promise<{ text: string; mode: number }> {
  // Open first and create only on ENOENT: the common case (file exists) costs no mkdir and no extra stat.
  // Synchronous on purpose: for a file this small, four thread-pool round trips cost more than the read.
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'r');
      try {
        return { mode: fstatSync(fd).mode, text: readFileSync(fd, 'utf8') };
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' || attempt > 0) {
        throw new ConfigError(`cannot read ${path}: ${errorText(error)}`, { cause: error, hint: `check the permissions of ${path}` });
      }
      await ensureConfig(home);
    }
  }
}

/** The parsed value plus a way back from a key path to its line, used only when reporting problems. */
interface Parsed {
  value: unknown;
  lineOf(path: readonly string[]): number;
}

async function parseYaml(path: string, text: string, warn: (message: string) => void): Promise<Parsed> {
  const { LineCounter, parseDocument, isAlias, isMap, isScalar } = await import('../vendor/yaml.ts');
  const lineCounter = new LineCounter();
  // prettyErrors off: we format "FILE:LINE: message" ourselves rather than yaml's multi-line excerpt.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw invalid(path, doc.errors.map((error) => `${path}:${lineAt(error.pos[0])}: ${firstLine(error.message)}`));
  }
  for (const warning of doc.warnings) warn(`${path}:${lineAt(warning.pos[0])}: ${firstLine(warning.message)}`);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw invalid(path, [`${path}:1: ${errorText(error)}`]);
  }
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw invalid(path, [`${path}:1: expected "key: value" lines at the top level`]);
  }

  // Walk the node tree to the key; stop at the deepest node found (a merged key has no node of its own).
  const lineOf = (keys: readonly string[]): number => {
    let node: unknown = doc.contents;
    let offset = (doc.contents?.range?.[0] as number | undefined) ?? 0;
    for (const key of keys) {
      if (isAlias(node)) node = node.resolve(doc);
      if (!isMap(node)) break;
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === key);
      if (!pair) break;
      const range = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (range) offset = range[0];
      node = pair.value;
    }
    return lineAt(offset);
  };
  return { value: value ?? {}, lineOf };
}

function describeProblem(path: string, line: number, problem: Problem): string {
  const where = problem.path.length > 0 ? `${formatPath(problem.path)}: ` : '';
  return `${path}:${line}: ${where}${problem.message}`;
}

/** One ConfigError for all problems, one per line, so the user can fix them in one edit. */
function invalid(path: string, lines: string[]): ConfigError {
  const shown = lines.length > MAX_PROBLEMS ? [...lines.slice(0, MAX_PROBLEMS), `... and ${lines.length - MAX_PROBLEMS} more`] : lines;
  return new ConfigError(shown.join('\n'), { hint: `edit ${path}, then run: cm config check` });
}

function withDefaults(path: string, file: FileShape, env: Readonly<Record<string, string | undefined>>): Config {
  // A written `local` may add settings (workdir, …) but keeps the built-in ones it does not override.
  const { local, ...others } = file.clusters ?? {};
  const clusters: Record<string, ClusterConfig> = { local: { ...LOCAL_CLUSTER, ...local }, ...others };
  const config: Config & { server?: FileShape['server'] } = {
    path,
    version: file.version ?? CONFIG_VERSION,
    profile: { ...file.profile, user: file.profile?.user || env['USER'] || systemUser() },
    clouds: file.clouds ?? {},
    clusters,
    database: { ...file.database, backend: file.database?.backend ?? 'sqlite' },
  };
  if (file.server) config.server = file.server;
  if (file.comet) config.comet = file.comet;
  return config;
}

/** `os.userInfo` throws when the uid has no passwd entry (some containers). */
function systemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function errorText(error: unknown): string {
  const code = codeOf(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return error instanceof Error ? firstLine(error.message) : String(error);
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}
