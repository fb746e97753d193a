/**
 * @module providers/hpc/pbs/client
 * Every PBS command the adapter runs, each one argument array through the shared context: qsub, qstat
 * (jobs, queues), qdel, pbsnodes, and Moab's showq/checkjob for Torque jobs that left qstat.
 */
import { UserError } from '../../../core/errors.ts';
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { ExecOptions, ExecResult } from '../../../core/transport.ts';
import type { QsubContext } from '../qsub/client.ts';
import type { QsubRow } from '../qsub/map.ts';
import { parseCheckjob, parseShowqCompleted } from './moab.ts';
import type { MoabEnded } from './moab.ts';
import {
  parseProJobs, parseProNodes, parseProQueues, parseQdelErrors, parseQsubId, parseTorqueJobs, parseTorqueNodes, parseTorqueQueues, partitions,
} from './parse.ts';
import type { PbsFlavor } from './script.ts';

/** Which PBS answers: PBS Pro/OpenPBS print `pbs_version = 19.1.3`, Torque `Version: 6.1.2`. */
export async function detectFlavor(context: QsubContext): Promise<PbsFlavor> {
  const argv = ['qstat', '--version'];
  const result = await context.run('find the PBS version', argv);
  const text = `${result.stdout}\n${result.stderr}`;
  if (/pbs_version\s*=/i.test(text)) return 'pro';
  if (/^\s*version:\s*\d/im.test(text)) return 'torque';
  throw context.failed('find the PBS version', argv, { ...result, stderr: `qstat --version printed neither pbs_version nor Version: ${text.trim()}` });
}

export async function qsub(context: QsubContext, args: string[], options: ExecOptions): Promise<string> {
  const argv = ['qsub', ...args];
  const result = await context.run('submit the job', argv, options);
  if (result.code !== 0) throw context.failed('submit the job', argv, result);
  const id = parseQsubId(result.stdout);
  if (id === null) throw context.failed('submit the job', argv, { ...result, stderr: `no job id in qsub output: ${result.stdout}` });
  return id;
}

/** qstat's complaints that only mean "not (any more) known": the other ids are still printed. */
const NOT_KNOWN = /Unknown Job Id|Job has finished|does not exist/i;

/**
 * Jobs in one qstat call: the given ids (with their array tasks, `-t`), or every job when none are
 * given. PBS Pro adds finished jobs it keeps as history (`-x`); Torque prints XML (its `-x`) and keeps
 * completed jobs for keep_completed seconds.
 */
export async function qstatJobs(context: QsubContext, flavor: PbsFlavor, ids: readonly string[]): Promise<QsubRow[]> {
  const argv = flavor === 'pro' ? ['qstat', ...(ids.length > 0 ? ['-x'] : []), '-f', '-F', 'json', '-t', ...ids] : ['qstat', '-f', '-x', '-t', ...ids];
  const result = await context.run('query job states', argv);
  if (result.code !== 0 && !onlyUnknown(result)) throw context.failed('query job states', argv, result);
  return flavor === 'pro' ? parseProJobs(result.stdout) : parseTorqueJobs(result.stdout);
}

function onlyUnknown(result: ExecResult): boolean {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 0 && lines.every((line) => NOT_KNOWN.test(line));
}

/**
 * What Moab remembers of Torque jobs that left qstat: `checkjob` for one id, `showq -c` (all recently
 * completed jobs, one call) for more. No Moab on the host is remembered and answers nothing.
 */
export async function moabEnded(context: QsubContext, numbers: readonly string[]): Promise<MoabEnded[]> {
  if (context.memo.get('moab') === false || numbers.length === 0) return [];
  const argv = numbers.length === 1 ? ['checkjob', numbers[0] ?? ''] : ['showq', '-c'];
  let result: ExecResult;
  try {
    result = await context.run('ask Moab about finished jobs', argv);
  } catch (error) {
    if (error instanceof UserError && /not found/.test(error.message)) {
      context.memo.set('moab', false);
      return [];
    }
    throw error;
  }
  context.memo.set('moab', true);
  if (result.code !== 0) {
    if (/cannot locate job|invalid job|not found/i.test(`${result.stdout}${result.stderr}`)) return [];
    throw context.failed('ask Moab about finished jobs', argv, result);
  }
  if (argv[0] === 'showq') return parseShowqCompleted(result.stdout);
  const one = parseCheckjob(result.stdout);
  return one ? [one] : [];
}

/** Delete jobs in one qdel call; the per-id errors it reported. */
export async function qdel(context: QsubContext, ids: readonly string[]): Promise<Map<string, string>> {
  const argv = ['qdel', ...ids];
  const result = await context.run('cancel jobs', argv);
  const errors = parseQdelErrors(`${result.stdout}\n${result.stderr}`, ids);
  if (result.code !== 0 && errors.size === 0) throw context.failed('cancel jobs', argv, result);
  return errors;
}

/** Queues with the nodes that serve them: two calls (queues, then nodes). */
export async function describeQueues(context: QsubContext, flavor: PbsFlavor): Promise<PartitionInfo[]> {
  const queuesArgv = flavor === 'pro' ? ['qstat', '-Q', '-f', '-F', 'json'] : ['qstat', '-Q', '-f'];
  const nodesArgv = flavor === 'pro' ? ['pbsnodes', '-a', '-F', 'json'] : ['pbsnodes', '-x'];
  const [queues, nodes] = await Promise.all([context.run('describe queues', queuesArgv), context.run('describe nodes', nodesArgv)]);
  if (queues.code !== 0) throw context.failed('describe queues', queuesArgv, queues);
  if (nodes.code !== 0) throw context.failed('describe nodes', nodesArgv, nodes);
  return flavor === 'pro'
    ? partitions(parseProQueues(queues.stdout), parseProNodes(nodes.stdout))
    : partitions(parseTorqueQueues(queues.stdout), parseTorqueNodes(nodes.stdout));
}
