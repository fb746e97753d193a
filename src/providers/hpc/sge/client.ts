/**
 * @module providers/hpc/sge/client
 * Every Grid Engine command the adapter runs, each one argument array through the shared context:
 * qsub, qstat (live jobs), qacct (finished jobs), qdel, qhost.
 */
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { ExecOptions } from '../../../core/transport.ts';
import type { QsubContext } from '../qsub/client.ts';
import type { QsubRow } from '../qsub/map.ts';
import { accountingRows, parseQacct, parseQdelErrors, parseQhostXml, parseQstatXml, parseSubmitId } from './parse.ts';

/** Submit; the job id (an array's own id, without its task range). */
export async function qsub(context: QsubContext, args: string[], options: ExecOptions): Promise<string> {
  const argv = ['qsub', '-terse', ...args];
  const result = await context.run('submit the job', argv, options);
  if (result.code !== 0) throw context.failed('submit the job', argv, result);
  const id = parseSubmitId(result.stdout);
  if (id === null) throw context.failed('submit the job', argv, { ...result, stderr: `no job id in qsub output: ${result.stdout}` });
  return id;
}

/**
 * Live jobs, one row per array task (`-g d`), in one qstat call: everybody's (`-u *`) when asked about
 * ids, since qstat cannot be given a list of ids in this format, or one user's for the queue.
 */
export async function qstatJobs(context: QsubContext, user: string): Promise<QsubRow[]> {
  const argv = ['qstat', '-xml', '-g', 'd', '-u', user];
  const result = await context.run('query job states', argv);
  if (result.code !== 0) throw context.failed('query job states', argv, result);
  return parseQstatXml(result.stdout);
}

/**
 * Accounting records of finished jobs in one qacct call: by id when there is one, else every record of
 * the cluster user (qacct takes one id or all). No records yet — a job ends in the file 1-2 s after it
 * ends, and the file does not exist before the first job ends — is no rows, not an error.
 */
export async function qacctJobs(context: QsubContext, ids: readonly string[]): Promise<QsubRow[]> {
  const only = ids.length === 1 ? (ids[0] ?? '').split('.')[0] : null;
  const argv = only ? ['qacct', '-j', only] : ['qacct', '-o', await context.user(), '-j'];
  const result = await context.run('query job accounting', argv);
  if (result.code !== 0) {
    if (/not found|can't open|no such file|accounting file/i.test(result.stderr)) return [];
    throw context.failed('query job accounting', argv, result);
  }
  return accountingRows(parseQacct(result.stdout));
}

/** Delete jobs (or tasks, `123.4`) in one qdel call; the per-id errors it reported. */
export async function qdel(context: QsubContext, ids: readonly string[]): Promise<Map<string, string>> {
  const argv = ['qdel', ...ids];
  const result = await context.run('cancel jobs', argv);
  const errors = parseQdelErrors(`${result.stdout}\n${result.stderr}`);
  if (result.code !== 0 && errors.size === 0) throw context.failed('cancel jobs', argv, result);
  return errors;
}

/** Queues with their hosts and slots. */
export async function qhost(context: QsubContext): Promise<PartitionInfo[]> {
  const argv = ['qhost', '-q', '-xml'];
  const result = await context.run('describe queues', argv);
  if (result.code !== 0) throw context.failed('describe queues', argv, result);
  return parseQhostXml(result.stdout);
}
