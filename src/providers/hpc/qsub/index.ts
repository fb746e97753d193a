/**
 * @module providers/hpc/qsub
 * The adapter every qsub-family scheduler shares (Grid Engine in sge/, PBS Pro/OpenPBS/Torque in pbs/),
 * driven through a `Transport`: this host, or a login node over ssh, with no change here.
 *
 * Each job gets a directory `<workdir>/<timestamp>-<random>/` with the job script and its output files.
 * An index file `<workdir>/index/<id>` records that directory, so `output` finds the files from the id
 * alone. A cancel that the scheduler accepted leaves `<workdir>/cancelled/<id>`: Grid Engine forgets a
 * job deleted before it started (no accounting record), and without the mark it would come back UNKNOWN.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import { TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { CancelResult, JobRef, JobSpec, JobState, OutputChunk, QueueEntry, Scheduler } from '../../../core/scheduler.ts';
import { clusterHome, createContext, listDirectory, removeJobDir } from './client.ts';
import { readLocalScript } from '../local-script.ts';
import type { QsubContext } from './client.ts';
import { absolutePath, needsHome, resolveQsubConfig } from './config.ts';
import type { QsubSchedulerOptions } from './config.ts';
import type { QsubDialect } from './dialect.ts';
import { BEING_DELETED, completeUtf8Length, countTasks, unknownJob } from './map.ts';
import { checkStageOut, downloadStageOut, readStageIn, uploadStageIn } from '../../../transport/stage.ts';
import type { StagedFile, StageOutCapable } from '../../../transport/stage.ts';
import { planJob, renderJobScript, shebangInterpreter, splitOptions } from './script.ts';

export type { QsubSchedulerOptions } from './config.ts';
export type { QsubDialect } from './dialect.ts';
export type { StageOutCapable, StagedFile } from '../../../transport/stage.ts';

/** Largest output chunk returned at once; callers page on with the returned offset. */
export const MAX_OUTPUT_CHUNK = 16 * 1024 * 1024;

/** What the index file of a job holds. */
interface IndexEntry {
  id: string;
  dir: string;
  cwd: string;
  array: boolean;
  /** How many tasks the array has, when its spec could be counted. */
  tasks?: number;
  name: string;
  submittedAt: string;
}

interface Session {
  dialect: QsubDialect;
  context: QsubContext;
  home: Promise<string> | null;
  prepared: Promise<void> | null;
  indexReady: boolean;
}

/** A scheduler for one qsub-family cluster. It owns `options.transport` and closes it in `close()`. */
export function createQsubScheduler(dialect: QsubDialect, options: QsubSchedulerOptions): Scheduler & StageOutCapable {
  const config = resolveQsubConfig(options, dialect.label);
  const context = createContext(config, dialect.kind, dialect.label, dialect.programs);
  const session: Session = { dialect, context, home: null, prepared: null, indexReady: false };
  const ready = async () => {
    if (!dialect.prepare) return;
    session.prepared ??= dialect.prepare(context).catch((error: unknown) => {
      session.prepared = null;
      throw error;
    });
    await session.prepared;
  };
  return {
    kind: dialect.kind,
    cluster: config.cluster,
    submit: async (spec) => (await ready(), submit(session, spec)),
    status: async (ids) => (await ready(), status(session, ids)),
    cancel: async (ids) => (await ready(), cancel(session, ids)),
    queue: async (filter) => (await ready(), dialect.queue(context, filter?.all === true)),
    info: async () => (await ready(), dialect.info(context)),
    output: async (id, opts) => (await ready(), output(session, id, opts)),
    stageOut: (id, paths, localDir) => stageOut(session, id, paths, localDir),
    close: () => config.transport.close(),
  };
}

/** A cluster path made absolute; asks the cluster for its home once, and only if a path needs it. */
async function clusterPath(session: Session, path: string): Promise<string> {
  if (!needsHome(path)) return absolutePath(path, '/');
  session.home ??= clusterHome(session.context);
  try {
    return absolutePath(path, await session.home);
  } catch (error) {
    session.home = null;
    throw error;
  }
}

async function submit(session: Session, spec: JobSpec): Promise<JobRef> {
  const { dialect, context } = session;
  const { transport } = context.config;
  const plan = planJob(spec);
  checkStageOut(spec.stageOut);
  const stageIn = await readStageIn(spec.stageIn);
  const script = plan.kind === 'script' ? await readLocalScript(dialect.kind, resolve(spec.script ?? '')) : null;
  const jobOptions = dialect.jobOptions(context, plan, script === null ? null : shebangInterpreter(script));
  const workdir = await clusterPath(session, context.config.workdir);
  const cwdGiven = plan.dir === null ? null : await clusterPath(session, plan.dir);
  const dir = `${workdir}/${timestamp()}-${randomBytes(4).toString('hex')}`;
  const cwd = cwdGiven ?? dir;
  const fileOptions = dialect.fileOptions(context, dir, cwd, plan.isArray);
  await onCluster(session, 'create the job directory', () => transport.mkdir(dir));
  if (cwdGiven !== null) {
    await transport.mkdir(cwdGiven).catch((error: unknown) => {
      throw new UserError(`cannot create working directory ${cwdGiven}: ${errorText(error)}`, { cause: error });
    });
  }
  if (stageIn.length > 0) await onCluster(session, 'stage files in', () => uploadStageIn(transport, cwd, stageIn));
  const scriptPath = `${dir}/${dialect.scriptName}`;
  const submittedAt = new Date().toISOString();
  const { directives, argv } = splitOptions([...jobOptions, ...fileOptions], script === null);
  let id: string;
  try {
    if (script === null) {
      const text = renderJobScript(dialect.directive, directives, plan, dialect.preamble(context, cwd));
      await onCluster(session, 'write the job script', () => transport.writeFile(scriptPath, text, 0o700));
      id = await dialect.submit(context, [...argv, scriptPath], { cwd });
    } else {
      // The user's bytes are the job script; the environment rides on qsub's own, named by -v.
      await onCluster(session, 'write the job script', () => transport.writeFile(scriptPath, script, 0o700));
      const names = Object.keys(plan.env);
      const envOption = names.length > 0 ? dialect.envOption(names) : null;
      id = await dialect.submit(context, [...argv, ...(envOption ?? []), scriptPath], { cwd, ...(names.length > 0 ? { env: plan.env } : {}) });
    }
  } catch (error) {
    await removeJobDir(context, dir);
    throw error;
  }
  const tasks = spec.array === undefined ? null : countTasks(spec.array);
  const entry: IndexEntry = { id, dir, cwd, array: plan.isArray, ...(tasks === null ? {} : { tasks }), name: plan.name, submittedAt };
  await writeIndex(session, workdir, entry).catch(() => {
    // The job is submitted either way; without the entry only its output cannot be found by id.
  });
  return { id, name: plan.name, dir: cwd, submittedAt };
}

async function writeIndex(session: Session, workdir: string, entry: IndexEntry): Promise<void> {
  const { transport } = session.context.config;
  if (!session.indexReady) {
    await transport.mkdir(`${workdir}/index`);
    session.indexReady = true;
  }
  await transport.writeFile(`${workdir}/index/${entry.id}`, `${JSON.stringify(entry)}\n`, 0o600);
}

/**
 * One live query and one query of finished jobs (the dialect's), then — only when some ids are still
 * unknown — one listing of the cancel marks. Ids that cannot be this scheduler's never reach a command.
 */
async function status(session: Session, ids: readonly string[]): Promise<JobState[]> {
  const { dialect, context } = session;
  const wanted = [...new Set(ids.filter((id) => dialect.parseId(id) !== null))];
  const found = new Map<string, JobState>();
  let gone = `no job with that id on cluster ${context.config.cluster}`;
  if (wanted.length > 0) {
    const answer = await dialect.status(context, wanted);
    for (const [id, state] of answer.found) found.set(id, state);
    gone = answer.gone;
    await checkArraysComplete(session, found, answer.tasksSeen);
    // Ids nobody knows, and jobs being torn down: cloudmesh's cancel marks say which were cancelled.
    const unsure = wanted.filter((id) => !found.has(id) || found.get(id)?.reason === BEING_DELETED);
    if (unsure.length > 0) {
      const marks = await listDirectory(context, await cancelDir(session));
      for (const id of unsure) {
        const base = dialect.parseId(id)?.base ?? id;
        if (!marks.has(id) && !marks.has(base)) continue;
        const known = found.get(id);
        found.set(id, known
          ? { ...known, state: 'CANCELLED', exitCode: null, reason: `cancelled; ${dialect.label} is removing it` }
          : { id, state: 'CANCELLED', exitCode: null, startedAt: null, endedAt: null, reason: `cancelled; ${dialect.label} keeps no record of it` });
      }
    }
  }
  return ids.map((id) => found.get(id) ?? unknownJob(id, dialect.parseId(id) ? gone : `'${id}' is not a ${dialect.label} job id`));
}

/**
 * An array answered as ended while fewer of its tasks were seen than it has: the rest left the live
 * listing but are not in the accounting yet (1-2 s on Grid Engine), so it is still ending. One index
 * read per such array; arrays are few.
 */
async function checkArraysComplete(session: Session, found: Map<string, JobState>, seen: Map<string, number> | undefined): Promise<void> {
  for (const [id, count] of seen ?? []) {
    const state = found.get(id);
    if (!state || !TERMINAL_STATES.has(state.state)) continue;
    const expected = (await readIndex(session, id))?.tasks;
    if (expected !== undefined && count < expected) {
      found.set(id, { ...state, state: 'RUNNING', exitCode: null, endedAt: null, reason: `array: ${count} of ${expected} tasks ended, the rest are ending` });
    }
  }
}

/**
 * One cancel command for all ids. Ids the scheduler refused, and ids cloudmesh had cancelled before (a
 * scheduler may accept a second delete of a job it is still removing), cost one status call, to say how
 * they ended.
 */
async function cancel(session: Session, ids: readonly string[]): Promise<CancelResult[]> {
  const { dialect, context } = session;
  const valid = [...new Set(ids.filter((id) => dialect.parseId(id) !== null))];
  const marked = valid.length > 0 ? await listDirectory(context, await cancelDir(session)) : new Set<string>();
  const errors = valid.length > 0 ? await dialect.cancel(context, valid) : new Map<string, string>();
  const fresh = valid.filter((id) => !errors.has(id) && !marked.has(id));
  if (fresh.length > 0) await markCancelled(session, fresh).catch(() => {});
  const recheck = valid.filter((id) => errors.has(id) || marked.has(id));
  const states = new Map((recheck.length > 0 ? await status(session, recheck) : []).map((state) => [state.id, state]));
  return ids.map((id): CancelResult => {
    if (dialect.parseId(id) === null) return { id, ok: false, message: `'${id}' is not a ${dialect.label} job id` };
    const state = states.get(id)?.state;
    const ended = state !== undefined && TERMINAL_STATES.has(state);
    const error = errors.get(id);
    if (error !== undefined) return { id, ok: false, message: ended ? `already ${state}` : error };
    if (marked.has(id) && ended) return { id, ok: false, message: `already ${state}` };
    return { id, ok: true, message: 'cancel requested' };
  });
}

async function cancelDir(session: Session): Promise<string> {
  return `${await clusterPath(session, session.context.config.workdir)}/cancelled`;
}

async function markCancelled(session: Session, ids: readonly string[]): Promise<void> {
  const { transport } = session.context.config;
  const dir = await cancelDir(session);
  await transport.mkdir(dir);
  const at = new Date().toISOString();
  await Promise.all(ids.map((id) => transport.writeFile(`${dir}/${id}`, `${at}\n`, 0o600)));
}

async function output(session: Session, id: string, options: { stream?: 'stdout' | 'stderr'; offset?: number } = {}): Promise<OutputChunk> {
  const { dialect, context } = session;
  const stream = options.stream ?? 'stdout';
  if (stream !== 'stdout' && stream !== 'stderr') throw new UserError(`unknown output stream '${String(stream)}'`);
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new UserError(`invalid output offset ${offset}`);
  const parts = dialect.parseId(id);
  if (parts === null) throw new NotFoundError(`no job ${id} on cluster ${context.config.cluster}`);
  const entry = await readIndex(session, parts.base);
  if (entry === null) throw new NotFoundError(`no output of job ${id} known on cluster ${context.config.cluster} (it was not submitted through cloudmesh)`);
  if (entry.array && parts.task === null) throw new UserError(`job ${id} is an array: read the output of one task, e.g. ${taskExample(dialect, entry.id)}`);
  if (!entry.array && parts.task !== null) throw new NotFoundError(`job ${parts.base} is not an array; there is no task ${id}`);
  const path = dialect.outputFile(entry.dir, parts, stream);
  let bytes: Buffer;
  try {
    bytes = await context.config.transport.readFile(path, { offset, maxBytes: MAX_OUTPUT_CHUNK });
  } catch (error) {
    // The scheduler creates the file when the job starts: none yet is no output yet.
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return { text: '', offset };
    throw new BackendError(dialect.kind, `read ${path}`, error);
  }
  const usable = completeUtf8Length(bytes);
  return { text: bytes.toString('utf8', 0, usable), offset: offset + usable };
}

/** Copy result files of a job from its working directory (known from its index entry). */
async function stageOut(session: Session, id: string, paths: readonly string[], localDir: string): Promise<StagedFile[]> {
  const parts = session.dialect.parseId(id);
  const entry = parts === null ? null : await readIndex(session, parts.base);
  if (entry === null) throw new NotFoundError(`no working directory of job ${id} known on cluster ${session.context.config.cluster}`);
  return downloadStageOut(session.context.config.transport, entry.cwd, paths, localDir);
}

/** The index entry of a job by its base id (file names keep the id as qsub printed it). */
async function readIndex(session: Session, base: string): Promise<IndexEntry | null> {
  try {
    const workdir = await clusterPath(session, session.context.config.workdir);
    const text = await session.context.config.transport.readFile(`${workdir}/index/${base}`);
    const entry = JSON.parse(text.toString('utf8')) as IndexEntry;
    if (typeof entry.dir === 'string') return entry;
  } catch {
    // an unreadable entry is no entry
  }
  return null;
}

function taskExample(dialect: QsubDialect, id: string): string {
  return dialect.taskId(id, 1);
}

async function onCluster<T>(session: Session, operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const { kind } = session.dialect;
    throw new BackendError(kind, operation, error, `${kind}: cannot ${operation}: ${errorText(error)}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `20261125T174907Z`: sorts by time, safe in any file system. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
