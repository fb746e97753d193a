/**
 * @module providers/hpc/slurm/control
 * How the adapter talks to Slurm's controller, separate from where the job files live: through the client
 * commands over the transport (sbatch, squeue, sacct, scontrol, scancel, sinfo: `cliControl`), or through
 * slurmrestd (rest-control.ts). The adapter (index.ts) keeps job directories, output and staging on the
 * transport either way, so both share one behaviour and one test suite.
 */
import { BackendError } from '../../../core/errors.ts';
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { OpenedFile } from '../../../transport/pipeline.ts';
import { sacctJobs, sbatch, scancel, scontrolJob, sinfo, squeueJobs, squeueQueue } from './client.ts';
import type { SacctAnswer } from './client.ts';
import type { SlurmConfig } from './config.ts';
import type { SlurmJobRow } from './map.ts';
import { optionArgs, renderJobScript } from './script.ts';
import type { JobPlan } from './script.ts';

/** What submit hands the controller: the checked plan, the user's script bytes (or null), file options. */
export interface SubmitRequest {
  plan: JobPlan;
  /** The user's own script, submitted unchanged; null for command and shell jobs. */
  script: Buffer | null;
  /** `--output`, `--error`, `--chdir`, decided by the adapter. */
  files: [string, string][];
  /** Where the job script is kept in the job directory. */
  scriptPath: string;
  /** `scriptPath`, already opened by the adapter with the job directory (ssh): written through this. */
  scriptFile?: OpenedFile;
}

/** One way of asking Slurm's controller. Each method is one round trip unless it says otherwise. */
export interface SlurmControl {
  submit(config: SlurmConfig, request: SubmitRequest): Promise<string>;
  /** The live (and recently finished) jobs among `ids`. */
  jobs(config: SlurmConfig, ids: readonly string[]): Promise<SlurmJobRow[]>;
  /** Accounting records of `ids`, or why there are none. */
  accounting(config: SlurmConfig, ids: readonly string[]): Promise<SacctAnswer>;
  /** One job as the controller knows it, with its raw records (StdOut/StdErr paths). */
  job(config: SlurmConfig, id: string): Promise<{ rows: SlurmJobRow[]; records: Map<string, string>[] }>;
  /** Cancel; the per-id errors. */
  cancel(config: SlurmConfig, ids: readonly string[]): Promise<Map<string, string>>;
  queue(config: SlurmConfig, all: boolean): Promise<SlurmJobRow[]>;
  partitions(config: SlurmConfig): Promise<PartitionInfo[]>;
}

/** Slurm's client commands, run through the transport. */
export const cliControl: SlurmControl = {
  async submit(config, { plan, script, files, scriptPath, scriptFile }) {
    const { transport } = config;
    const content = script ?? renderJobScript(plan, files);
    try {
      await (scriptFile ? scriptFile.write(content, 0o700) : transport.writeFile(scriptPath, content, 0o700));
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new BackendError('slurm', 'write the job script', error, `slurm: cannot write the job script: ${text}`);
    }
    // A generated script carries its options as #SBATCH lines. For the user's own script, options go on
    // sbatch's argv (they win over its #SBATCH lines), and the environment rides on sbatch's own, which
    // the job inherits (--export=ALL).
    if (script === null) return sbatch(config, [scriptPath]);
    return sbatch(config, [...optionArgs([...plan.options, ...files]), scriptPath], plan.env);
  },
  jobs: squeueJobs,
  accounting: sacctJobs,
  job: scontrolJob,
  cancel: scancel,
  queue: squeueQueue,
  partitions: sinfo,
};
