/**
 * @module providers/hpc/sge/parse
 * Pure parsers of what Grid Engine's commands print: `qstat -xml -g d` (live jobs, one row per array
 * task), `qacct -j` (finished jobs, one record per job or task) and `qhost -q -xml` (queues per host).
 */
import type { PartitionInfo } from '../../../core/scheduler.ts';
import { decodeJobName, parseSchedulerTime } from '../qsub/map.ts';
import type { QsubRow } from '../qsub/map.ts';
import { childText, descendants, parseXml } from '../qsub/xml.ts';
import { finishedState, liveState } from './map.ts';

/** Most tasks one pending range is expanded to (a range is only printed without `-g d`). */
const MAX_RANGE_TASKS = 100_000;

/** Rows of `qstat -xml -g d`: every `job_list`, running (queue_info) and pending (job_info) alike. */
export function parseQstatXml(xml: string): QsubRow[] {
  if (xml.trim() === '') return [];
  const rows: QsubRow[] = [];
  for (const job of descendants(parseXml(xml), 'job_list')) {
    const base = childText(job, 'JB_job_number') ?? '';
    if (!/^\d+$/.test(base)) continue;
    const letters = childText(job, 'state') ?? '';
    const { state, reason } = liveState(letters);
    const queue = childText(job, 'queue_name');
    const started = state === 'RUNNING' ? parseSchedulerTime(childText(job, 'JAT_start_time')) : null;
    const common = {
      state,
      exitCode: null,
      startedAt: started,
      endedAt: null,
      reason,
      name: decodeJobName(childText(job, 'JB_name') ?? ''),
      user: childText(job, 'JB_owner') ?? '?',
      partition: queue ? (queue.split('@')[0] ?? null) : null,
    };
    const tasks = expandTasks(childText(job, 'tasks'));
    if (tasks === null) rows.push({ ...common, id: base, base, task: null });
    else for (const task of tasks) rows.push({ ...common, id: `${base}.${task}`, base, task });
  }
  return rows;
}

/** `3`, `4-10:2`, `1-3:1,7` as task numbers; null when the row is not an array task. */
function expandTasks(text: string | null): number[] | null {
  if (text === null || text.trim() === '') return null;
  const tasks: number[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = Math.max(1, Number(match[3] ?? 1));
    for (let task = first; task <= last && tasks.length < MAX_RANGE_TASKS; task += step) tasks.push(task);
  }
  return tasks.length > 0 ? tasks : null;
}

/** One `qacct -j` record as key → value (`failed` keeps its text: `37  : qmaster enforced h_rt …`). */
export type AccountingRecord = Map<string, string>;

/** Records of `qacct -j`, separated by lines of `=`. */
export function parseQacct(output: string): AccountingRecord[] {
  const records: AccountingRecord[] = [];
  let current: AccountingRecord | null = null;
  for (const line of output.split('\n')) {
    if (/^=+\s*$/.test(line)) {
      current = new Map();
      records.push(current);
      continue;
    }
    const match = /^(\w+)\s+(.*?)\s*$/.exec(line);
    if (current && match) current.set(match[1] ?? '', match[2] ?? '');
  }
  return records.filter((record) => record.has('jobnumber'));
}

/** Accounting records as rows; a job run twice (rescheduled) keeps its last record. */
export function accountingRows(records: readonly AccountingRecord[]): QsubRow[] {
  const rows = new Map<string, QsubRow>();
  for (const record of records) {
    const base = record.get('jobnumber') ?? '';
    if (!/^\d+$/.test(base)) continue;
    const taskText = record.get('taskid') ?? 'undefined';
    const task = /^\d+$/.test(taskText) && record.has('taskid') && isArrayRecord(taskText) ? Number(taskText) : null;
    const { state, exitCode, reason } = finishedState(record);
    const id = task === null ? base : `${base}.${task}`;
    rows.set(id, {
      id,
      base,
      task,
      state,
      exitCode,
      reason,
      startedAt: parseSchedulerTime(record.get('start_time')),
      endedAt: parseSchedulerTime(record.get('end_time')),
      name: decodeJobName(record.get('jobname') ?? ''),
      user: record.get('owner') ?? '?',
      partition: record.get('qname') ?? null,
    });
  }
  return [...rows.values()];
}

/** qacct prints `undefined` for a job that is not an array. */
function isArrayRecord(taskText: string): boolean {
  return taskText !== 'undefined';
}

/** Queues of `qhost -q -xml`, summed over hosts: slots as CPUs, hosts as nodes. */
export function parseQhostXml(xml: string): PartitionInfo[] {
  const queues = new Map<string, { nodes: number; slots: number; used: number; available: number; states: Set<string> }>();
  for (const host of descendants(parseXml(xml), 'host')) {
    if (host.attributes['name'] === 'global') continue;
    for (const queue of host.children.filter((child) => child.name === 'queue')) {
      const name = queue.attributes['name'] ?? '?';
      const value = (key: string) => queue.children.find((child) => child.attributes['name'] === key)?.text ?? '';
      const entry = queues.get(name) ?? { nodes: 0, slots: 0, used: 0, available: 0, states: new Set<string>() };
      const state = value('state_string');
      entry.nodes += 1;
      entry.slots += Number(value('slots')) || 0;
      entry.used += Number(value('slots_used')) || 0;
      // u unknown (execd down), d disabled, E error, s/S/C suspended or calendar-suspended, D/o orphaned.
      if (!/[udESsCDo]/.test(state)) entry.available += 1;
      if (state !== '') entry.states.add(state);
      queues.set(name, entry);
    }
  }
  return [...queues].map(([partition, q]) => ({
    partition,
    state: q.available === q.nodes ? 'up' : q.available === 0 ? 'down' : 'partly up',
    nodes: q.nodes,
    cpus: q.slots,
    timeLimit: null,
    detail: `${q.used}/${q.slots} slots used${q.states.size > 0 ? `; host states ${[...q.states].join(' ')}` : ''}`,
  }));
}

/** Per-id errors of `qdel`: `denied: job "7" does not exist`, `job "43" task "9" does not exist`. */
export function parseQdelErrors(output: string): Map<string, string> {
  const errors = new Map<string, string>();
  for (const line of output.split('\n')) {
    const task = /job "(\d+)" task "(\d+)"/.exec(line);
    const job = /job "(\d+)"/.exec(line);
    if (!/does not exist|denied|not /i.test(line)) continue;
    if (task) errors.set(`${task[1]}.${task[2]}`, line.trim());
    else if (job) errors.set(job[1] ?? '', line.trim());
  }
  return errors;
}

/** The id `qsub -terse` printed: `123`, or `123.1-10:1` for an array (its job id is 123). */
export function parseSubmitId(output: string): string | null {
  const match = /^(\d+)(?:\.\d+-\d+:\d+)?\s*$/m.exec(output.trim());
  return match?.[1] ?? null;
}
