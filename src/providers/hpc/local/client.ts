/**
 * @module providers/hpc/local/client
 * Everything of the `local` cluster that touches job files and processes: allocating job directories,
 * atomic state writes, starting the detached runner, signalling process groups, liveness checks and
 * reading output. The scheduler (index.ts) and the runner (runner.ts) both go through here.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import { completeUtf8Length, isJobId, parseLaunchRecord, parseStateRecord } from './map.ts';
import type { LaunchRecord, StateRecord } from './map.ts';

/** File names inside `<home>/jobs/<id>/`. */
export const FILES = {
  spec: 'spec.json',
  state: 'state.json',
  cancel: 'cancel',
  script: 'script',
  stdout: 'stdout',
  stderr: 'stderr',
} as const;

/** Largest output chunk returned at once, so a huge log never has to fit in memory; callers page on. */
export const MAX_OUTPUT_CHUNK = 16 * 1024 * 1024;

const HAVE_PROC = existsSync('/proc/self/stat');

/**
 * Create the next job directory. `mkdir` is atomic and fails with EEXIST when another `cm` process won
 * the same number, so concurrent submitters simply move on to the next one and never share an id.
 */
export async function allocateJobDir(jobsDir: string): Promise<{ id: string; dir: string }> {
  await mkdir(jobsDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new BackendError('local', `create the jobs directory ${jobsDir}`, error);
  });
  const ids = await listJobIds(jobsDir);
  let candidate = Number(ids.at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < 10_000; attempt++, candidate++) {
    const dir = join(jobsDir, String(candidate));
    try {
      await mkdir(dir, { mode: 0o700 });
      return { id: String(candidate), dir };
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw new BackendError('local', 'allocate a job directory', error);
    }
  }
  throw new BackendError('local', 'allocate a job directory', undefined, `local: no free job id in ${jobsDir}`);
}

/** The ids of every job directory, in numeric order. */
export async function listJobIds(jobsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(jobsDir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new BackendError('local', 'list jobs', error);
  }
  return names.filter(isJobId).sort((a, b) => Number(a) - Number(b));
}

/** The directory of job `id`, or null when there is no such job (or the id could escape the jobs dir). */
export function jobDirOf(jobsDir: string, id: string): string | null {
  if (!isJobId(id)) return null;
  const dir = join(jobsDir, id);
  return existsSync(dir) ? dir : null;
}

/**
 * Replace a JSON file atomically (temp file + rename), so a reader never sees half a state and a crash
 * mid-write leaves the previous state intact.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw new BackendError('local', `write ${path}`, error);
  }
}

/** Parsed JSON of `path`; `undefined` when missing, `null` when unreadable as JSON. */
async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new BackendError('local', `read ${path}`, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A job's state record: `undefined` before the submitter wrote one, `null` when the file is corrupt. */
export async function readStateFile(dir: string): Promise<StateRecord | null | undefined> {
  const value = await readJson(join(dir, FILES.state));
  return value === undefined ? undefined : parseStateRecord(value);
}

/** Replace a job's state record atomically. */
export async function writeStateFile(dir: string, record: StateRecord): Promise<void> {
  await writeJsonAtomic(join(dir, FILES.state), record);
}

/** A job's launch record, or null when missing or corrupt. */
export async function readLaunchFile(dir: string): Promise<LaunchRecord | null> {
  const value = await readJson(join(dir, FILES.spec));
  return value === undefined ? null : parseLaunchRecord(value);
}

/** Write a job's launch record. */
export async function writeLaunchFile(dir: string, record: LaunchRecord): Promise<void> {
  await writeJsonAtomic(join(dir, FILES.spec), record);
}

/** Read a user's script file, as bytes (it may not be UTF-8). */
export async function readScript(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new NotFoundError(`script not found: ${path}`);
    if (code === 'EISDIR') throw new UserError(`script is a directory: ${path}`);
    if (code === 'EACCES') throw new UserError(`cannot read script: ${path}`);
    throw new BackendError('local', `read script ${path}`, error);
  }
}

/** Copy the script into the job directory, executable by the owner only. */
export async function installScript(dir: string, content: Buffer): Promise<string> {
  const path = join(dir, FILES.script);
  await writeFile(path, content, { mode: 0o700 });
  // The umask may have narrowed the create mode; the runner needs the execute bit for shebang scripts.
  await chmod(path, 0o700);
  return path;
}

/** Create the job's working directory; failing to is the user's problem (bad path, no permission). */
export async function ensureWorkDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot create working directory ${path}: ${errnoCode(error) ?? String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Start the runner as a new session/process-group leader with no stdio, and let go of it: it must not
 * keep `cm` alive, and it must survive `cm` exiting (or the terminal closing).
 */
export function spawnRunner(runnerPath: string, jobDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runnerPath, jobDir], { detached: true, stdio: 'ignore', cwd: jobDir });
    child.once('error', (error) => reject(new BackendError('local', 'start the job runner', error)));
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid ?? 0);
    });
  });
}

/** Send `signal` to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw new BackendError('local', `send ${signal} to job`, error);
  }
}

/** Ask the runner to record CANCELLED however the child ends (and not to start it at all if not yet). */
export async function markCancelled(dir: string): Promise<void> {
  await writeFile(join(dir, FILES.cancel), `${new Date().toISOString()}\n`);
}

/** Whether `cancel` was asked for this job. */
export function isCancelRequested(dir: string): boolean {
  return existsSync(join(dir, FILES.cancel));
}

/**
 * Field 22 (start time in clock ticks since boot) of `/proc/<pid>/stat`, or null when the process is gone
 * or a zombie. Together with the pid it names one process for good, even after the pid is reused.
 */
export function processStartTime(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses, so split only after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null; // fields[0] is field 3
}

/** Whether the runner recorded as (pid, start) still runs; without /proc, the pid alone has to do. */
export function isRunnerAlive(pid: number, start: string | null): boolean {
  if (HAVE_PROC && start !== null) return processStartTime(pid) === start;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/** Bytes of an output file from `offset`, cut at a whole UTF-8 character; a missing file is empty so far. */
export async function readOutputChunk(path: string, offset: number): Promise<{ text: string; offset: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { text: '', offset };
    throw new BackendError('local', `read ${path}`, error);
  }
  try {
    const { size } = await handle.stat();
    if (offset >= size) return { text: '', offset };
    const buffer = Buffer.alloc(Math.min(size - offset, MAX_OUTPUT_CHUNK));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const usable = completeUtf8Length(buffer.subarray(0, bytesRead));
    return { text: buffer.toString('utf8', 0, usable), offset: offset + usable };
  } finally {
    await handle.close();
  }
}

/** The `code` of a Node system error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
