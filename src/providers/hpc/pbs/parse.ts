/**
 * @module providers/hpc/pbs/parse
 * Pure parsers of what PBS servers print: `qstat -f -F json` (PBS Pro/OpenPBS 18+), `qstat -f -x` (Torque
 * XML), the `key = value` blocks of `qstat -Q -f` (Torque), `pbsnodes -F json` / `pbsnodes -x`, qsub's id
 * and qdel's per-id errors. Each job becomes flat lower-cased attributes for pbs/map.ts.
 */
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { QsubRow } from '../qsub/map.ts';
import { childText, descendants, parseXml } from '../qsub/xml.ts';
import type { XmlElement } from '../qsub/xml.ts';
import { pbsRow } from './map.ts';

/** Nested JSON or XML attributes as `parent.child` keys, lower-cased. */
function flatten(into: Map<string, string>, prefix: string, value: unknown): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(into, prefix === '' ? key.toLowerCase() : `${prefix}.${key.toLowerCase()}`, inner);
  } else if (value !== null && value !== undefined) {
    into.set(prefix, String(value));
  }
}

/** Rows of `qstat -f -F json` (PBS Pro): `{"Jobs": {"123.server": {...}}}`; no `Jobs` is no rows. */
export function parseProJobs(output: string): QsubRow[] {
  if (output.trim() === '') return [];
  // PBS Pro before 19 printed bare numbers such as `"Exit_status":-29` fine, but could leave a trailing
  // comma; nothing else about its JSON needs care.
  const data = JSON.parse(output.replace(/,(\s*[}\]])/g, '$1')) as { Jobs?: Record<string, unknown> };
  const rows: QsubRow[] = [];
  for (const [id, job] of Object.entries(data.Jobs ?? {})) {
    const attrs = new Map<string, string>();
    flatten(attrs, '', job);
    const row = pbsRow(id, attrs);
    if (row) rows.push(row);
  }
  return rows;
}

/** Rows of Torque's `qstat -f -x`: `<Data><Job><Job_Id>…</Job_Id>…</Job></Data>`. */
export function parseTorqueJobs(output: string): QsubRow[] {
  if (output.trim() === '') return [];
  const rows: QsubRow[] = [];
  for (const job of descendants(parseXml(output), 'Job')) {
    const attrs = xmlAttributes(job);
    const row = pbsRow(attrs.get('job_id') ?? '', attrs);
    if (row) rows.push(row);
  }
  return rows;
}

function xmlAttributes(element: XmlElement, prefix = '', into = new Map<string, string>()): Map<string, string> {
  for (const child of element.children) {
    const key = prefix === '' ? child.name.toLowerCase() : `${prefix}.${child.name.toLowerCase()}`;
    if (child.children.length > 0) xmlAttributes(child, key, into);
    else into.set(key, child.text);
  }
  return into;
}

/** `key = value` blocks headed by `Queue: name` (Torque `qstat -Q -f`); continuation lines start with a tab. */
export function parseKeyValueBlocks(output: string, header: string): Map<string, Map<string, string>> {
  const blocks = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  let lastKey = '';
  for (const line of output.split('\n')) {
    const head = new RegExp(`^${header}:\\s*(\\S+)`).exec(line);
    if (head) {
      current = new Map();
      blocks.set(head[1] ?? '', current);
      continue;
    }
    const pair = /^\s+([\w.]+) = (.*)$/.exec(line);
    if (current && pair) {
      lastKey = (pair[1] ?? '').toLowerCase();
      current.set(lastKey, pair[2] ?? '');
    } else if (current && /^\t/.test(line) && lastKey !== '') {
      current.set(lastKey, `${current.get(lastKey) ?? ''}${line.trim()}`);
    }
  }
  return blocks;
}

/** Queue facts both flavours give: `enabled`, `started`, `resources_max.walltime`, `state_count`. */
interface QueueFacts {
  name: string;
  attrs: Map<string, string>;
}

/** Queues of `qstat -Q -f -F json` (Pro). */
export function parseProQueues(output: string): QueueFacts[] {
  const data = JSON.parse(output.replace(/,(\s*[}\]])/g, '$1')) as { Queue?: Record<string, unknown> };
  return Object.entries(data.Queue ?? {}).map(([name, queue]) => {
    const attrs = new Map<string, string>();
    flatten(attrs, '', queue);
    return { name, attrs };
  });
}

/** Queues of `qstat -Q -f` (Torque's text form). */
export function parseTorqueQueues(output: string): QueueFacts[] {
  return [...parseKeyValueBlocks(output, 'Queue')].map(([name, attrs]) => ({ name, attrs }));
}

/** Nodes: name, queue it is tied to (Pro `queue`), CPUs, and whether it can take jobs. */
export interface NodeFacts {
  name: string;
  queue: string | null;
  cpus: number;
  usable: boolean;
}

/** Nodes of `pbsnodes -a -F json` (Pro). */
export function parseProNodes(output: string): NodeFacts[] {
  const data = JSON.parse(output.replace(/,(\s*[}\]])/g, '$1')) as { nodes?: Record<string, unknown> };
  return Object.entries(data.nodes ?? {}).map(([name, node]) => {
    const attrs = new Map<string, string>();
    flatten(attrs, '', node);
    return { name, queue: attrs.get('queue') ?? null, cpus: Number(attrs.get('resources_available.ncpus')) || 0, usable: usableNode(attrs.get('state')) };
  });
}

/** Nodes of `pbsnodes -x` (Torque). */
export function parseTorqueNodes(output: string): NodeFacts[] {
  return descendants(parseXml(output), 'Node').map((node) => ({
    name: childText(node, 'name') ?? '?',
    queue: null,
    cpus: Number(childText(node, 'np')) || 0,
    usable: usableNode(childText(node, 'state') ?? ''),
  }));
}

/** `free`, `job-busy`, `job-exclusive`, `busy` take (or hold) jobs; `down`, `offline`, `unknown` do not. */
function usableNode(state: string | undefined): boolean {
  return !/down|offline|unknown|stale|unresolvable/.test(state ?? '');
}

/** One `hpc info` row per queue; nodes tied to a queue count for it, untied nodes for every queue. */
export function partitions(queues: readonly QueueFacts[], nodes: readonly NodeFacts[]): PartitionInfo[] {
  return queues
    .filter((queue) => (queue.attrs.get('queue_type') ?? 'Execution').toLowerCase().startsWith('e'))
    .map((queue) => {
      const tied = nodes.filter((node) => node.queue === queue.name);
      const mine = tied.length > 0 ? tied : nodes.filter((node) => node.queue === null);
      const up = queue.attrs.get('enabled') === 'True' && queue.attrs.get('started') === 'True';
      const usable = mine.filter((node) => node.usable).length;
      return {
        partition: queue.name,
        state: !up ? 'down' : usable === mine.length ? 'up' : usable === 0 ? 'no usable nodes' : 'partly up',
        nodes: mine.length,
        cpus: mine.reduce((sum, node) => sum + node.cpus, 0),
        timeLimit: queue.attrs.get('resources_max.walltime') ?? null,
        detail: queue.attrs.get('state_count') ?? null,
      };
    });
}

/** The id qsub printed on its first line (`123.server`, `123[].server`). */
export function parseQsubId(output: string): string | null {
  const line = output.trim().split('\n')[0]?.trim() ?? '';
  return /^\d+(\[\])?(\.[A-Za-z0-9][A-Za-z0-9.-]*)?$/.test(line) ? line : null;
}

/**
 * Per-id errors of qdel: `qdel: Unknown Job Id 9.server`, `qdel: Job has finished 7.server` (Pro),
 * `qdel: Unknown Job Id Error 9.server`, `qdel: Request invalid for state of job MSG=… 7.server` (Torque).
 * The id is matched as a word of the line, exactly as it was asked for.
 */
export function parseQdelErrors(output: string, ids: readonly string[]): Map<string, string> {
  const errors = new Map<string, string>();
  for (const line of output.split('\n')) {
    if (!/^qdel:/.test(line.trim())) continue;
    const words = line.trim().split(/\s+/);
    // Torque completes a bare number with its server name (`9` → `9.server`) when it reports it.
    const id = ids.find((candidate) => words.some((word) => word === candidate || word.startsWith(`${candidate}.`)));
    if (id !== undefined) errors.set(id, line.trim());
  }
  return errors;
}
