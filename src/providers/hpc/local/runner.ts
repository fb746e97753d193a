/**
 * @module providers/hpc/local/runner
 * The program that babysits one `local` job: `node runner.(ts|js) <jobDir>`. `cm` starts it detached, so
 * it leads its own process group and outlives `cm`; the job runs as its child in that same group. It
 * writes every state change to `state.json`, enforces the time limit, and turns `cancel` into CANCELLED.
 * Bundled builds ship it as `local-runner.js` (see config.ts). Not imported by anything: it is a program.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FILES,
  errnoCode,
  isCancelRequested,
  processStartTime,
  readLaunchFile,
  readStateFile,
  signalGroup,
  writeStateFile,
} from './client.ts';
import { finalState } from './map.ts';
import type { ChildEnd, LaunchRecord, StateRecord } from './map.ts';

/** Grace between SIGTERM and SIGKILL, for cancel and time limits alike. */
const KILL_GRACE_MS = 5_000;
/** How long to wait for the submitter to record our pid before going ahead without it. */
const HANDSHAKE_MS = 10_000;
/** setTimeout cannot wait longer than ~24.8 days; longer limits are waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const jobDir = process.argv[2];
/** Everything the signal handlers and timers share; the runner handles exactly one job. */
const job = {
  record: { state: 'PENDING', submittedAt: now(), runnerPid: process.pid, runnerStart: null } as StateRecord,
  terminating: false,
  timedOut: false,
  timeLimitSeconds: null as number | null,
  finished: false,
  killTimer: undefined as NodeJS.Timeout | undefined,
  writes: Promise.resolve(),
};

// Installed before anything else can take time: a cancel arriving early must not kill the runner, or no
// one would be left to write the final state. The child (same group) still gets group-wide signals.
process.on('SIGTERM', () => {
  job.terminating = true;
  armKill();
});
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

if (jobDir !== undefined) {
  main(jobDir).catch((error: unknown) => {
    const reason = `runner error: ${error instanceof Error ? error.message : String(error)}`;
    void finish({ ...job.record, state: 'FAILED', endedAt: now(), reason });
  });
}

async function main(dir: string): Promise<void> {
  const launch = await readLaunchFile(dir);
  job.record = await handshake(dir);
  if (launch === null) {
    await finish({ ...job.record, state: 'FAILED', endedAt: now(), reason: `unreadable ${FILES.spec}` });
    return;
  }
  job.timeLimitSeconds = launch.timeLimitSeconds;
  if (job.terminating || isCancelRequested(dir)) {
    const cancelled = isCancelRequested(dir);
    const reason = cancelled ? 'cancelled' : 'terminated before start';
    await finish({ ...job.record, state: cancelled ? 'CANCELLED' : 'FAILED', endedAt: now(), reason });
    return;
  }
  run(dir, launch);
}

/**
 * Wait until the submitter has recorded our pid in state.json. Until then our own writes could be
 * overwritten by its PENDING record; after a generous wait we assume it died and carry on alone.
 */
async function handshake(dir: string): Promise<StateRecord> {
  const own = { runnerPid: process.pid, runnerStart: processStartTime(process.pid) };
  const deadline = Date.now() + HANDSHAKE_MS;
  let seen: StateRecord | null | undefined;
  while (Date.now() < deadline) {
    seen = await readStateFile(dir);
    if (seen?.runnerPid === process.pid) break;
    await sleep(10);
  }
  return { ...(seen ?? job.record), ...own };
}

function run(dir: string, launch: LaunchRecord): void {
  const [program, ...args] = launch.argv;
  if (program === undefined) throw new Error('empty argv');
  const env = { ...process.env, ...launch.env, CM_JOB_ID: launch.id, CM_JOB_NAME: launch.name, CM_JOB_DIR: dir };
  const out = openSync(join(dir, FILES.stdout), 'a', 0o600);
  const err = openSync(join(dir, FILES.stderr), 'a', 0o600);
  let child: ChildProcess;
  try {
    // No `shell` option, ever: argv goes to execve as-is. Not detached, so the job stays in our group.
    child = spawn(program, args, { cwd: launch.cwd, env, stdio: ['ignore', out, err] });
  } catch (error) {
    end(dir, { code: null, signal: null, spawnError: describeSpawnError(error, program, launch.cwd) });
    return;
  } finally {
    // The child has its own copies of the descriptors; ours would only keep the files open.
    closeSync(out);
    closeSync(err);
  }
  child.once('error', (error) => {
    end(dir, { code: null, signal: null, spawnError: describeSpawnError(error, program, launch.cwd) });
  });
  child.once('exit', (code, signal) => end(dir, { code, signal, spawnError: null }));
  if (child.pid === undefined) return; // spawn failed; 'error' follows
  void save({ ...job.record, state: 'RUNNING', startedAt: now(), childPid: child.pid });
  if (launch.timeLimitSeconds !== null) {
    after(launch.timeLimitSeconds * 1000, () => {
      job.timedOut = true;
      // The whole group, so helpers the job started stop too; our own SIGTERM handler arms the SIGKILL.
      signalGroup(process.pid, 'SIGTERM');
    });
  }
}

/** The child is over (or never started): record how. */
function end(dir: string, how: Pick<ChildEnd, 'code' | 'signal' | 'spawnError'>): void {
  const cancelled = isCancelRequested(dir);
  const ended: ChildEnd = { ...how, cancelled, timedOut: job.timedOut, timeLimitSeconds: job.timeLimitSeconds };
  void finish(finalState(job.record, ended, now()));
}

function describeSpawnError(error: unknown, program: string, cwd: string): NonNullable<ChildEnd['spawnError']> {
  return {
    code: errnoCode(error) ?? 'EUNKNOWN',
    program,
    programExists: program.includes('/') && existsSync(program),
    cwdExists: existsSync(cwd),
  };
}

/** After a SIGTERM the job has KILL_GRACE_MS to end; then it is killed, and SIGKILL cannot be ignored. */
function armKill(): void {
  if (job.killTimer !== undefined) return;
  job.killTimer = setTimeout(() => {
    // finish() SIGKILLs the group, us included, so the final state goes to disk first.
    if (jobDir !== undefined) end(jobDir, { code: null, signal: 'SIGKILL', spawnError: null });
  }, KILL_GRACE_MS);
}

/** setTimeout for any duration (it fires at once beyond ~24.8 days). */
function after(ms: number, action: () => void): void {
  if (ms <= MAX_TIMER_MS) setTimeout(action, ms);
  else setTimeout(() => after(ms - MAX_TIMER_MS, action), MAX_TIMER_MS);
}

/** Queue a state write; writes land in order even when the child ends while RUNNING is being written. */
function save(next: StateRecord): Promise<void> {
  job.record = next;
  job.writes = job.writes.then(() => writeStateFile(jobDir ?? '.', next)).catch(() => {});
  return job.writes;
}

/** Write the final state once, then leave; after a SIGTERM, stragglers in the group go down with us. */
async function finish(final: StateRecord): Promise<void> {
  if (job.finished) return;
  job.finished = true;
  await save(final);
  if (job.terminating) signalGroup(process.pid, 'SIGKILL');
  process.exit(0);
}

function now(): string {
  return new Date().toISOString();
}
