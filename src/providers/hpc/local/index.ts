/**
 * @module providers/hpc/local
 * The built-in `local` cluster: jobs run on this machine as detached process groups (one runner per job,
 * see runner.ts) that outlive the `cm` process that submitted them. All job state lives in files under
 * `<home>/jobs/<id>/`, so any later `cm` process, the shell or the server sees the same jobs.
 */
import { availableParallelism, freemem, loadavg, totalmem, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { NotFoundError, UnsupportedError, UserError } from '../../../core/errors.ts';
import { TERMINAL_STATES } from '../../../core/scheduler.ts';
import type {
  CancelResult,
  JobRef,
  JobSpec,
  JobState,
  OutputChunk,
  PartitionInfo,
  QueueEntry,
  Scheduler,
} from '../../../core/scheduler.ts';
import {
  allocateJobDir,
  ensureWorkDir,
  installScript,
  isCancelRequested,
  isRunnerAlive,
  jobDirOf,
  listJobIds,
  markCancelled,
  processStartTime,
  readLaunchFile,
  readOutputChunk,
  readScript,
  readStateFile,
  signalGroup,
  spawnRunner,
  writeLaunchFile,
  writeStateFile,
} from './client.ts';
import { jobKind, jobWork, noNul } from '../job-body.ts';
import { resolveLocalConfig } from './config.ts';
import type { LocalConfig, LocalSchedulerOptions } from './config.ts';
import { parseTimeLimit, toJobState, toQueueEntry, unknownJob } from './map.ts';
import type { StateRecord } from './map.ts';

export type { LocalSchedulerOptions } from './config.ts';

/** The `local` cluster's scheduler. Cheap to create: it holds no processes or handles. */
export function createLocalScheduler(options: LocalSchedulerOptions): Scheduler {
  const config = resolveLocalConfig(options);
  return {
    kind: 'local',
    cluster: config.cluster,
    submit: (spec) => submit(config, spec),
    status: (ids) => Promise.all(ids.map((id) => observe(config, id))),
    cancel: (ids) => Promise.all(ids.map((id) => cancelOne(config, id))),
    queue: () => queue(config),
    info: async () => [partitionInfo()],
    output: (id, opts) => output(config, id, opts),
    async close() {},
  };
}

/** What to run, checked completely before a job directory is created so a bad spec leaves no trace. */
interface Plan {
  kind: 'command' | 'script' | 'shell';
  argv: string[];
  script: Buffer | null;
  timeLimitSeconds: number | null;
}

async function plan(spec: JobSpec): Promise<Plan> {
  jobKind(spec); // exactly one of a command, a script or a shell line, checked before anything else
  if (spec.partition !== undefined && spec.partition !== 'local') {
    throw new UserError(`the local cluster has no partition '${spec.partition}'`, { hint: "its only partition is 'local'" });
  }
  // These would silently change what runs (once instead of N times, now instead of later): refuse them.
  if (spec.array !== undefined) throw new UnsupportedError('the local cluster does not run job arrays');
  if (spec.dependency !== undefined) throw new UnsupportedError('the local cluster does not support job dependencies');
  if ((spec.nodes ?? 1) !== 1 || (spec.ntasks ?? 1) !== 1) throw new UnsupportedError('the local cluster runs one task on one node');
  // Requests it could not honour (no resource limits, no accounts) are refused rather than silently ignored.
  const unhonoured = (['cpusPerTask', 'mem', 'account', 'qos', 'stageIn', 'stageOut'] as const).filter((key) => spec[key] !== undefined);
  if (unhonoured.length > 0) throw new UnsupportedError(`the local cluster does not support ${unhonoured.join(', ')}`);
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (key === '' || key.includes('=') || typeof value !== 'string') throw new UserError(`invalid environment variable '${key}'`);
    noNul(`environment variable ${key}`, key + value);
  }
  if (spec.name !== undefined) noNul('job name', spec.name);
  if (spec.dir !== undefined) noNul('working directory', spec.dir);
  const timeLimitSeconds = spec.time === undefined ? null : parseTimeLimit(spec.time);
  const work = jobWork(spec);
  if (work.kind === 'command') return { kind: work.kind, argv: work.command, script: null, timeLimitSeconds };
  // One argv element: the user's line is handed to sh as-is, never spliced into another string.
  if (work.kind === 'shell') return { kind: work.kind, argv: ['/bin/sh', '-c', work.shell], script: null, timeLimitSeconds };
  return { kind: work.kind, argv: [], script: await readScript(resolve(work.script)), timeLimitSeconds };
}

async function submit(config: LocalConfig, spec: JobSpec): Promise<JobRef> {
  const what = await plan(spec);
  const { id, dir } = await allocateJobDir(config.jobsDir);
  const submittedAt = new Date().toISOString();
  const name = spec.name ?? `job-${id}`;
  let record: StateRecord = { state: 'PENDING', submittedAt, runnerPid: null, runnerStart: null };
  // Written first so the id is never a bare directory for long; the runner waits to see its own pid here.
  await writeStateFile(dir, record);
  const cwd = spec.dir === undefined ? dir : resolve(spec.dir);
  try {
    if (spec.dir !== undefined) await ensureWorkDir(cwd);
    let argv = what.argv;
    if (what.script !== null) {
      const path = await installScript(dir, what.script);
      argv = [...interpreterOf(what.script), path];
    }
    const { timeLimitSeconds } = what;
    await writeLaunchFile(dir, { id, name, submittedAt, argv, cwd, timeLimitSeconds, env: spec.env ?? {}, spec });
    const pid = await spawnRunner(config.runnerPath, dir);
    record = { ...record, runnerPid: pid, runnerStart: processStartTime(pid) };
    await writeStateFile(dir, record);
  } catch (error) {
    const reason = `submission failed: ${error instanceof Error ? error.message : String(error)}`;
    await writeStateFile(dir, { ...record, state: 'FAILED', endedAt: new Date().toISOString(), reason }).catch(() => {});
    throw error;
  }
  return { id, name, dir: cwd, submittedAt };
}

/** One job's state from its files, with the liveness check that turns an orphaned job into FAILED. */
async function observe(config: LocalConfig, id: string): Promise<JobState> {
  const dir = jobDirOf(config.jobsDir, id);
  if (dir === null) return unknownJob(id);
  const first = await readStateFile(dir);
  if (first === null) return unknownJob(id, `unreadable state file for job ${id}`);
  let record = first;
  const live = first !== undefined && !TERMINAL_STATES.has(first.state) && first.runnerPid !== null;
  const runnerAlive = live ? isRunnerAlive(first.runnerPid ?? 0, first.runnerStart) : false;
  // A runner writes the final state and then exits (after a time limit or cancel, by SIGKILLing its group):
  // if it died between our read and the liveness check, the file now holds the final state. Read it again.
  if (live && !runnerAlive) record = (await readStateFile(dir)) ?? record;
  return toJobState(id, record ?? null, { runnerAlive, cancelRequested: isCancelRequested(dir), now: Date.now() });
}

async function cancelOne(config: LocalConfig, id: string): Promise<CancelResult> {
  const dir = jobDirOf(config.jobsDir, id);
  if (dir === null) return { id, ok: false, message: `no job ${id} on cluster ${config.cluster}` };
  const state = await observe(config, id);
  if (state.state === 'UNKNOWN') return { id, ok: false, message: state.reason ?? 'unknown job' };
  if (TERMINAL_STATES.has(state.state)) return { id, ok: false, message: `already ${state.state}` };
  // Marker first: the runner consults it when the child ends (or before starting it) to record CANCELLED.
  await markCancelled(dir);
  const record = await readStateFile(dir);
  // observe() just confirmed this pid is still our runner, so the group id cannot belong to anyone else.
  if (record?.runnerPid) signalGroup(record.runnerPid, 'SIGTERM');
  return { id, ok: true, message: 'cancel requested' };
}

async function queue(config: LocalConfig): Promise<QueueEntry[]> {
  const ids = await listJobIds(config.jobsDir);
  const states = await Promise.all(ids.map((id) => observe(config, id)));
  const user = currentUser();
  const active = states.filter((state) => !TERMINAL_STATES.has(state.state) && state.state !== 'UNKNOWN');
  return Promise.all(
    active.map(async (state) => {
      const launch = await readLaunchFile(join(config.jobsDir, state.id));
      return toQueueEntry(state, launch?.name ?? `job-${state.id}`, user);
    }),
  );
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid is still a truthful name.
    return process.env['USER'] ?? String(process.getuid?.() ?? 'unknown');
  }
}

function partitionInfo(): PartitionInfo {
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  const load = (loadavg()[0] ?? 0).toFixed(2);
  return {
    partition: 'local',
    state: 'up',
    nodes: 1,
    cpus: availableParallelism(),
    timeLimit: null,
    detail: `load ${load}, ${gib(freemem())}/${gib(totalmem())} GiB free`,
  };
}

async function output(
  config: LocalConfig,
  id: string,
  options: { stream?: 'stdout' | 'stderr'; offset?: number } = {},
): Promise<OutputChunk> {
  const dir = jobDirOf(config.jobsDir, id);
  if (dir === null) throw new NotFoundError(`no job ${id} on cluster ${config.cluster}`);
  const stream = options.stream ?? 'stdout';
  if (stream !== 'stdout' && stream !== 'stderr') throw new UserError(`unknown output stream '${String(stream)}'`);
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new UserError(`invalid output offset ${offset}`);
  return readOutputChunk(join(dir, stream), offset);
}

/**
 * The interpreter a script asks for, read from its `#!` line the way the kernel does (the interpreter, then
 * at most one argument holding the rest of the line); `/bin/sh` without one. Starting the interpreter
 * ourselves, rather than exec'ing the freshly written file, avoids ETXTBSY: a process forked elsewhere in
 * this program while the file was still open for writing would otherwise make the exec fail.
 */
export function interpreterOf(script: Buffer): string[] {
  if (script.subarray(0, 2).toString('latin1') !== '#!') return ['/bin/sh'];
  const end = script.indexOf(10);
  const line = script.subarray(2, end < 0 ? undefined : end).toString('utf8').trim();
  const match = /^(\S+)(?:\s+(.*))?$/.exec(line);
  if (!match) return ['/bin/sh'];
  return match[2] ? [match[1]!, match[2].trim()] : [match[1]!];
}
