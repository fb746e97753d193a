/**
 * @module providers/hpc/pbs/script
 * A job's requests in PBS's qsub options, for the two dialects still in use: PBS Pro/OpenPBS (`select`
 * chunks, `-J` arrays) and Torque (`nodes=N:ppn=P`, `-t` arrays, Moab's `qos`). What a flavour cannot
 * honour is refused with the reason instead of being dropped silently.
 */
import { UnsupportedError, UserError } from '../../../core/errors.ts';
import { encodeJobName, formatWalltime, parseTimeLimit } from '../qsub/map.ts';
import type { QsubOption, QsubPlan } from '../qsub/script.ts';
import { pbsSize } from './map.ts';

/** Which PBS: Altair PBS Professional / OpenPBS, or Torque (usually with Maui or Moab). */
export type PbsFlavor = 'pro' | 'torque';

/** qsub options for `plan` on a `flavor` server; `queue` is the cluster's default queue. */
export function pbsJobOptions(plan: QsubPlan, flavor: PbsFlavor, queue: string | undefined, interpreter: string | null): QsubOption[] {
  const { spec } = plan;
  const options: QsubOption[] = [['-N', encodeJobName(plan.name)]];
  const shell = plan.kind === 'script' ? interpreter : '/bin/bash';
  if (shell !== null) options.push(['-S', shell]);
  if (spec.time !== undefined) options.push(['-l', `walltime=${formatWalltime(parseTimeLimit(spec.time))}`]);
  const partition = spec.partition ?? queue;
  if (partition !== undefined) options.push(['-q', partition.trim()]);
  options.push(...resourceOptions(plan, flavor));
  if (spec.array !== undefined) options.push(arrayOption(spec.array.trim(), flavor));
  if (spec.dependency !== undefined) options.push(['-W', `depend=${dependency(spec.dependency.trim())}`]);
  if (spec.account !== undefined) options.push(['-A', spec.account.trim()]);
  if (spec.qos !== undefined) {
    // QoS is a Moab/Maui notion that Torque passes on; PBS Pro has none.
    if (flavor === 'pro') throw new UnsupportedError('PBS Pro has no quality of service (--qos); use --partition for a queue');
    options.push(['-l', `qos=${spec.qos.trim()}`]);
  }
  return options;
}

/** Nodes, tasks, CPUs and memory: PBS Pro `select=N:ncpus=C:mpiprocs=T[:mem=M]`, Torque `nodes=N:ppn=P` and `mem`. */
function resourceOptions(plan: QsubPlan, flavor: PbsFlavor): QsubOption[] {
  const { nodes, ntasks, cpusPerTask, mem } = plan.spec;
  if (nodes === undefined && ntasks === undefined && cpusPerTask === undefined && mem === undefined) return [];
  const size = mem === undefined ? null : pbsSize(mem);
  if (mem !== undefined && size === null) throw new UserError(`mem '${mem}' is not a size like 500M or 4G`);
  const chunks = nodes ?? 1;
  const tasks = ntasks ?? chunks;
  if (tasks % chunks !== 0) throw new UserError(`${tasks} tasks cannot be spread evenly over ${chunks} nodes`);
  const perNode = (tasks / chunks) * (cpusPerTask ?? 1);
  if (flavor === 'pro') {
    const select = `select=${chunks}:ncpus=${perNode}:mpiprocs=${tasks / chunks}${size ? `:mem=${size}` : ''}`;
    return chunks > 1 ? [['-l', select], ['-l', 'place=scatter']] : [['-l', select]];
  }
  const options: QsubOption[] = [['-l', `nodes=${chunks}:ppn=${perNode}`]];
  if (size) options.push(['-l', `mem=${size}`]);
  return options;
}

/** Slurm-style `1-10`, `1-10:2`, `1-10%2`, `1,3,5`: PBS Pro takes ranges (`-J`), Torque ranges and lists (`-t`). */
function arrayOption(spec: string, flavor: PbsFlavor): QsubOption {
  if (flavor === 'torque') {
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*(%\d+)?$/.test(spec)) throw new UserError(`array '${spec}' is not a Torque task list (e.g. 1-10, 1,3,5, 1-10%2)`);
    return ['-t', spec];
  }
  if (!/^\d+-\d+(:\d+)?(%\d+)?$/.test(spec)) throw new UserError(`array '${spec}' is not a PBS Pro range (N-M, N-M:STEP, optionally %LIMIT)`);
  return ['-J', spec];
}

/** Slurm-style `afterok:1:2` (and afterany/afternotok), or bare ids (= afterok), as PBS's depend list. */
function dependency(spec: string): string {
  if (/^(after(ok|notok|any)?|before(ok|notok|any)?):[\w.[\]:-]+(,(after|before)\w*:[\w.[\]:-]+)*$/.test(spec)) return spec;
  const ids = spec.split(/[,:]/).filter(Boolean);
  if (ids.length > 0 && ids.every((id) => /^\d+(\[\d*\])?(\.[\w.-]+)?$/.test(id))) return `afterok:${ids.join(':')}`;
  throw new UserError(`dependency '${spec}' is not a PBS depend list (e.g. afterok:123.server or 123:124)`);
}

/** Output files in the job directory: one pair per job; per task PBS Pro substitutes `^array_index^`, Torque appends `-N`. */
export function pbsFileOptions(dir: string, isArray: boolean, flavor: PbsFlavor): QsubOption[] {
  const suffix = isArray && flavor === 'pro' ? '.^array_index^' : '';
  return [['-o', `${dir}/pbs.out${suffix}`], ['-e', `${dir}/pbs.err${suffix}`]];
}

/** The file `pbsFileOptions` named for a job or task. */
export function pbsOutputFile(dir: string, task: number | null, stream: 'stdout' | 'stderr', flavor: PbsFlavor): string {
  const file = `${dir}/pbs.${stream === 'stdout' ? 'out' : 'err'}`;
  if (task === null) return file;
  return flavor === 'pro' ? `${file}.${task}` : `${file}-${task}`;
}
