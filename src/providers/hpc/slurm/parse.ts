/**
 * @module providers/hpc/slurm/parse
 * Pure parsers of what Slurm's commands print, and the output formats the adapter asks for (kept beside
 * their parsers so the two cannot drift). Every format puts the job name last: it is the one free-text
 * field, so it may contain the `|` separator and is taken as "the rest of the line".
 */
import type { PartitionInfo } from '../../../core/scheduler.ts';
import { decodeWaitStatus, parseExitCode, parseSlurmTime } from './map.ts';
import type { SlurmJobRow } from './map.ts';

/** `squeue -O` fields; `:0` turns off padding and truncation, `|` is the suffix after each field. */
export const SQUEUE_FIELDS = [
  'JobArrayID', 'JobID', 'ArrayJobID', 'ArrayTaskID', 'State', 'exit_code',
  'StartTime', 'EndTime', 'Reason', 'UserName', 'Partition', 'Name',
] as const;
/** The `--Format` argument built from SQUEUE_FIELDS. */
export const SQUEUE_FORMAT = SQUEUE_FIELDS.map((field, i) => `${field}:0${i < SQUEUE_FIELDS.length - 1 ? '|' : ''}`).join(',');

/** `sacct --parsable2 --format` fields (JobIDRaw lets a task's own number be matched too). */
export const SACCT_FIELDS = ['JobID', 'JobIDRaw', 'State', 'ExitCode', 'Start', 'End', 'Reason', 'User', 'Partition', 'JobName'] as const;
/** The `--format` argument built from SACCT_FIELDS. */
export const SACCT_FORMAT = SACCT_FIELDS.join(',');

/** `sinfo --format`: partition (`*` marks the default), availability, nodes A/I/O/T, CPUs A/I/O/T, limit. */
export const SINFO_FORMAT = '%P|%a|%F|%C|%l';

/** Split off `count - 1` separators; the last field keeps any `|` it contains. */
function splitFields(line: string, count: number): string[] | null {
  const fields: string[] = [];
  let rest = line;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf('|');
    if (at < 0) return null;
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  fields.push(rest);
  return fields;
}

const NONE = /^(|N\/A|None|\(null\)|Unknown)$/;
const text = (value: string | undefined): string | null => (value === undefined || NONE.test(value.trim()) ? null : value.trim());

/** Array id and task of a displayed id: `123_4` → [123, 4], `123_[5-9%2]` → [123, 5-9%2], `7` → nulls. */
function splitArrayId(id: string): { arrayId: string | null; taskId: string | null } {
  const match = /^(\d+)_(.+)$/.exec(id);
  return match ? { arrayId: match[1] ?? null, taskId: (match[2] ?? '').replace(/^\[|\]$/g, '') } : { arrayId: null, taskId: null };
}

/** Rows of `squeue --noheader -O SQUEUE_FORMAT`; lines that do not fit are skipped. */
export function parseSqueue(output: string): SlurmJobRow[] {
  const rows: SlurmJobRow[] = [];
  for (const line of output.split('\n')) {
    const f = splitFields(line, SQUEUE_FIELDS.length);
    if (!f || !/^\d/.test(f[0] ?? '')) continue;
    const [id = '', rawId = '', , taskField, state = '', exit = '', start = '', end = '', reason, user, partition, name = ''] = f;
    rows.push({
      id,
      rawId,
      ...splitArrayId(id),
      // squeue's ArrayTaskID of a pending range has no brackets; the displayed id is the reliable source.
      ...(text(taskField) === null ? { arrayId: null, taskId: null } : {}),
      state,
      exitCode: decodeWaitStatus(exit),
      startedAt: parseSlurmTime(start),
      endedAt: parseSlurmTime(end),
      reason: text(reason),
      user: text(user),
      partition: text(partition),
      name,
    });
  }
  return rows;
}

/** Rows of `sacct --parsable2 --noheader -X --format=SACCT_FORMAT`. */
export function parseSacct(output: string): SlurmJobRow[] {
  const rows: SlurmJobRow[] = [];
  for (const line of output.split('\n')) {
    const f = splitFields(line, SACCT_FIELDS.length);
    if (!f || !/^\d/.test(f[0] ?? '')) continue;
    const [id = '', rawId = '', state = '', exit = '', start = '', end = '', reason, user, partition, name = ''] = f;
    // Steps (`123.batch`) only appear without -X; skip them should they come anyway.
    if (/\./.test(id)) continue;
    rows.push({
      id,
      rawId,
      ...splitArrayId(id),
      state,
      exitCode: parseExitCode(exit),
      startedAt: parseSlurmTime(start),
      endedAt: parseSlurmTime(end),
      reason: text(reason),
      user: text(user),
      partition: text(partition),
      name,
    });
  }
  return rows;
}

/** Keys whose value is the rest of the line in `scontrol show job` (they may contain blanks). */
const REST_OF_LINE = new Set(['JobName', 'Command', 'WorkDir', 'StdErr', 'StdIn', 'StdOut', 'Comment', 'Reason']);

/**
 * `scontrol show job` records (blank-line separated, `Key=Value` pairs) as maps. Values normally have no
 * blanks; the few that may (paths, the name) are last on their line and taken to its end.
 */
export function parseScontrolRecords(output: string): Map<string, string>[] {
  const records: Map<string, string>[] = [];
  let current = new Map<string, string>();
  for (const line of output.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) records.push(current);
      current = new Map();
      continue;
    }
    const rest = line.trimStart();
    const keys = [...rest.matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9/:_]*)=/g)];
    for (let i = 0; i < keys.length; i++) {
      const match = keys[i]!;
      const key = match[1] ?? '';
      const start = (match.index ?? 0) + match[0].length;
      const whole = REST_OF_LINE.has(key) && (key !== 'Reason' || i === keys.length - 1);
      const end = whole || i + 1 >= keys.length ? rest.length : (keys[i + 1]!.index ?? rest.length);
      current.set(key, rest.slice(start, end).trim());
      if (whole) break;
    }
  }
  if (current.size > 0) records.push(current);
  return records;
}

/** `scontrol show job` records as job rows. */
export function parseScontrolJobs(output: string): SlurmJobRow[] {
  return parseScontrolRecords(output)
    .filter((record) => record.has('JobId'))
    .map((record) => {
      const rawId = record.get('JobId') ?? '';
      const arrayId = text(record.get('ArrayJobId'));
      const taskId = text(record.get('ArrayTaskId'));
      return {
        id: arrayId !== null && taskId !== null ? `${arrayId}_${/^\d+$/.test(taskId) ? taskId : `[${taskId}]`}` : rawId,
        rawId,
        arrayId: taskId === null ? null : arrayId,
        taskId,
        state: record.get('JobState') ?? '',
        exitCode: parseExitCode(record.get('ExitCode') ?? ''),
        startedAt: parseSlurmTime(record.get('StartTime') ?? ''),
        endedAt: parseSlurmTime(record.get('EndTime') ?? ''),
        reason: text(record.get('Reason')),
        user: text(record.get('UserId')?.replace(/\(\d+\)$/, '')),
        partition: text(record.get('Partition')),
        name: record.get('JobName') ?? '',
      };
    });
}

/** The job id `sbatch --parsable` printed (`123` or `123;cluster`), or null when it printed none. */
export function parseSbatchId(stdout: string): string | null {
  const line = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  const match = /^(\d+)(?:;\S+)?$/.exec(line);
  return match?.[1] ?? null;
}

/**
 * Per-id errors of `scancel -v`: "scancel: error: Kill job error on job id 99: Invalid job id specified".
 * Ids without an error line were signalled. (Without -v, scancel keeps quiet about unknown and finished
 * jobs and still exits 0.)
 */
export function parseScancelErrors(stderr: string): Map<string, string> {
  const errors = new Map<string, string>();
  for (const match of stderr.matchAll(/error: Kill job error on job id (\S+?): (.*)$/gm)) {
    errors.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return errors;
}

/** `sinfo --noheader --format=SINFO_FORMAT`, one `PartitionInfo` per partition (lines of one are summed). */
export function parseSinfo(output: string): PartitionInfo[] {
  const byName = new Map<string, { info: PartitionInfo; nodes: number[]; cpus: number[]; isDefault: boolean }>();
  for (const line of output.split('\n')) {
    const [name, avail, nodes, cpus, limit] = line.trim().split('|');
    if (!name || nodes === undefined || cpus === undefined) continue;
    const partition = name.replace(/\*$/, '');
    const counts = (value: string) => value.split('/').map(Number).map((n) => (Number.isFinite(n) ? n : 0));
    const entry = byName.get(partition) ?? {
      info: { partition, state: avail ?? 'unknown', nodes: 0, cpus: 0, timeLimit: null, detail: null },
      nodes: [0, 0, 0, 0],
      cpus: [0, 0, 0, 0],
      isDefault: name.endsWith('*'),
    };
    const add = (sum: number[], more: number[]) => sum.forEach((value, i) => (sum[i] = value + (more[i] ?? 0)));
    add(entry.nodes, counts(nodes));
    add(entry.cpus, counts(cpus));
    entry.info.timeLimit = limit === undefined || /^(infinite|UNLIMITED|n\/a)$/i.test(limit) ? null : limit;
    byName.set(partition, entry);
  }
  return [...byName.values()].map(({ info, nodes, cpus, isDefault }) => ({
    ...info,
    nodes: nodes[3] ?? 0,
    cpus: cpus[3] ?? null,
    detail:
      `${isDefault ? 'default; ' : ''}nodes ${nodes[0]} allocated, ${nodes[1]} idle, ${nodes[2]} other; ` +
      `CPUs ${cpus[0]}/${cpus[3]} in use`,
  }));
}
