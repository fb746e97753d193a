/**
 * @module providers/hpc/sge/script
 * A job's requests in Grid Engine's qsub options. Grid Engine places slots, not nodes, and has no QoS;
 * what it cannot honour is refused with the reason instead of being dropped silently.
 */
import { UnsupportedError, UserError } from '../../../core/errors.ts';
import { encodeJobName, formatWalltime, parseTimeLimit } from '../qsub/map.ts';
import type { QsubOption, QsubPlan } from '../qsub/script.ts';

/** Grid Engine specifics of a cluster. */
export interface SgeOptions {
  /** Parallel environment for jobs asking for more than one slot (`-pe NAME N`). */
  parallelEnvironment?: string;
}

/** qsub options for `plan`; `interpreter` is a user script's `#!` program, `queue` the cluster default. */
export function sgeJobOptions(plan: QsubPlan, queue: string | undefined, interpreter: string | null, sge: SgeOptions): QsubOption[] {
  const { spec } = plan;
  const options: QsubOption[] = [['-N', encodeJobName(plan.name)]];
  // Grid Engine ignores `#!` and starts scripts with the queue's shell (csh by default): say which.
  const shell = plan.kind === 'script' ? interpreter : '/bin/bash';
  if (shell !== null) options.push(['-S', shell]);
  if (spec.time !== undefined) options.push(['-l', `h_rt=${formatWalltime(parseTimeLimit(spec.time))}`]);
  const partition = spec.partition ?? queue;
  if (partition !== undefined) options.push(['-q', partition.trim()]);
  if (spec.nodes !== undefined && spec.nodes > 1) {
    throw new UnsupportedError('Grid Engine places slots, not nodes: ask for --ntasks (with a parallel environment) instead of --nodes');
  }
  const slots = (spec.ntasks ?? 1) * (spec.cpusPerTask ?? 1);
  if (slots > 1) {
    if (!sge.parallelEnvironment) {
      throw new UnsupportedError(`${slots} slots need a Grid Engine parallel environment, and none is configured for this cluster`);
    }
    options.push(['-pe', sge.parallelEnvironment, String(slots)]);
  }
  if (spec.mem !== undefined) {
    const mem = spec.mem.trim();
    if (!/^\d+(\.\d+)?[KkMmGgTt]?$/.test(mem)) throw new UserError(`mem '${mem}' is not a size like 500M or 4G`);
    options.push(['-l', `h_vmem=${mem}`]);
  }
  if (spec.array !== undefined) options.push(...arrayOptions(spec.array.trim()));
  if (spec.dependency !== undefined) options.push(['-hold_jid', holdList(spec.dependency.trim())]);
  if (spec.account !== undefined) options.push(['-A', spec.account.trim()]);
  if (spec.qos !== undefined) throw new UnsupportedError('Grid Engine has no quality of service (--qos); use --partition for a queue');
  return options;
}

/** `1-10`, `1-10:2`, `5`, and Slurm's `1-10%2` (at most 2 at once: `-tc 2`). Lists are not Grid Engine's. */
function arrayOptions(spec: string): QsubOption[] {
  const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?(?:%(\d+))?$/.exec(spec);
  if (!match || Number(match[1]) < 1) {
    throw new UserError(`array '${spec}' is not a Grid Engine task range: use N, N-M, N-M:STEP, optionally %LIMIT (task numbers start at 1)`);
  }
  const range = `${match[1]}${match[2] === undefined ? '' : `-${match[2]}`}${match[3] === undefined ? '' : `:${match[3]}`}`;
  return match[4] === undefined ? [['-t', range]] : [['-t', range], ['-tc', match[4]]];
}

/**
 * `-hold_jid` waits until the named jobs have ended, however they ended — Slurm's `afterany`. Plain ids
 * and `afterany:` are that; `afterok` would promise more than Grid Engine checks, so it is refused.
 */
function holdList(spec: string): string {
  const match = /^(?:afterany:)?([\d.:,]+)$/.exec(spec);
  if (!match) {
    throw new UnsupportedError(`dependency '${spec}': Grid Engine can only wait for jobs to end (-hold_jid); give job ids or afterany:ID[:ID]`);
  }
  const ids = (match[1] ?? '').split(/[:,]/).filter(Boolean);
  if (ids.length === 0 || !ids.every((id) => /^\d+$/.test(id))) throw new UserError(`dependency '${spec}' names no job ids`);
  return ids.join(',');
}

/** The output files: one pair per job, or per task (`$TASK_ID` is Grid Engine's own placeholder). */
export function sgeFileOptions(dir: string, cwd: string, isArray: boolean): QsubOption[] {
  if (dir.includes('$')) throw new UserError(`the job directory ${dir} contains '$', which Grid Engine expands in output paths`);
  const suffix = isArray ? '.$TASK_ID' : '';
  return [['-o', `${dir}/sge.out${suffix}`], ['-e', `${dir}/sge.err${suffix}`], ['-wd', cwd]];
}

/** The file `sgeFileOptions` named for a job or task. */
export function sgeOutputFile(dir: string, task: number | null, stream: 'stdout' | 'stderr'): string {
  return `${dir}/sge.${stream === 'stdout' ? 'out' : 'err'}${task === null ? '' : `.${task}`}`;
}
