/**
 * @module providers/hpc/slurm/rest-control
 * `SlurmControl` through slurmrestd: one GET of the controller's jobs answers any number of ids (as one
 * squeue does), one GET of the accounting jobs answers those that left it (as one sacct does). Job files
 * (script copy, output, staging) stay on the adapter's transport, since slurmrestd serves no files.
 */
import { BackendError, UserError } from '../../../core/errors.ts';
import { TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { SlurmControl } from './control.ts';
import { isRequestRefusal, mapSlurmState } from './map.ts';
import type { SlurmJobRow } from './map.ts';
import { restMessage } from './rest-client.ts';
import type { SlurmRest } from './rest-client.ts';
import { accountingJobToRow, controllerJobToRow, jobProperties, partitionToInfo, restNumber } from './rest-map.ts';
import { renderJobScript } from './script.ts';

/**
 * How far back the accounting query looks for jobs that left the controller, narrowest first. slurmrestd's
 * v0.0.38 accounting API cannot filter by job id, and a busy week is tens of thousands of jobs (here: 40,000
 * jobs, 100 MB, 19 s per query), so ids still missing after a narrow window, and older than every job in
 * it, are asked with the next one.
 */
const ACCOUNTING_WINDOWS = ['now-10minutes', 'now-1days', 'now-7days'] as const;

type Json = Record<string, unknown>;

function list(body: Json, key: string): Json[] {
  return Array.isArray(body[key]) ? (body[key] as Json[]) : [];
}

/** The rows that are about `ids` (a task's own number, or any task of an array id). */
function about(rows: SlurmJobRow[], ids: readonly string[]): SlurmJobRow[] {
  const bases = new Set(ids.map((id) => id.split('_')[0]));
  return rows.filter((row) => bases.has(row.rawId) || (row.arrayId !== null && bases.has(row.arrayId)));
}

function isFinished(row: SlurmJobRow): boolean {
  return TERMINAL_STATES.has(mapSlurmState(row.state).state);
}

export function restControl(rest: SlurmRest): SlurmControl {
  const controllerJobs = async (operation: string): Promise<SlurmJobRow[]> => {
    const { body, errors } = await rest.slurm('GET', 'jobs');
    if (errors.length > 0 && !Array.isArray(body.jobs)) {
      throw new BackendError('slurm', operation, new Error(restMessage(errors)), `slurm: ${operation} failed: ${restMessage(errors)}`);
    }
    return list(body, 'jobs').map(controllerJobToRow);
  };
  return {
    async submit(config, { plan, script, files, scriptPath, scriptFile }) {
      const content = script ? script.toString('utf8') : renderJobScript(plan, files);
      // A copy beside the output, as the command-line path keeps it, for the user to see what ran.
      const copy = scriptFile ? scriptFile.write(content, 0o700) : config.transport.writeFile(scriptPath, content, 0o700);
      await copy.catch(() => undefined);
      const job = jobProperties(plan, files, await rest.version());
      const { body, errors } = await rest.slurm('POST', 'job/submit', { script: content, job });
      const id = restNumber(body.job_id);
      if (id === null || errors.length > 0) {
        const message = restMessage(errors) || 'no job id in the answer';
        if (isRequestRefusal(message)) throw new UserError(`slurm refused the job: ${message}`);
        throw new BackendError('slurm', 'submit the job', new Error(message), `slurm: submit the job failed: ${message}`);
      }
      return String(id);
    },
    async jobs(_config, ids) {
      return about(await controllerJobs('query job states'), ids);
    },
    async accounting(_config, ids) {
      const rows: SlurmJobRow[] = [];
      let missing = [...ids];
      for (const window of ACCOUNTING_WINDOWS) {
        let answer;
        try {
          answer = await rest.slurmdb(`jobs?submit_time=${window}`);
        } catch (error) {
          // No /slurmdb/ plugin loaded on this slurmrestd: no accounting to ask, as with sacct missing.
          return { unavailable: 'disabled', message: error instanceof Error ? error.message : String(error) };
        }
        if (answer.errors.length > 0 && !Array.isArray(answer.body.jobs)) {
          const message = restMessage(answer.errors);
          // A window with no jobs at all is answered as an error ("Nothing found"): it is an empty list.
          if (/nothing found/i.test(message)) continue;
          return { unavailable: /disabled|not configured|plugin/i.test(message) ? 'disabled' : 'failed', message };
        }
        const all = list(answer.body, 'jobs').map(accountingJobToRow);
        const found = about(all, missing);
        rows.push(...found);
        const seen = new Set(found.flatMap((row) => [row.rawId, row.arrayId]));
        // Job ids grow with submission: an id above the oldest one in this window would be in it, so it is
        // unknown, and only older ids are worth a wider window.
        const oldest = Math.min(...all.map((row) => Number(row.rawId)).filter((n) => Number.isFinite(n)));
        missing = missing.filter((id) => {
          const base = id.split('_')[0]!;
          return !seen.has(base) && !(Number(base) > oldest);
        });
        if (missing.length === 0) break;
      }
      return { rows };
    },
    async job(_config, id) {
      const { body, errors } = await rest.slurm('GET', `job/${encodeURIComponent(id)}`);
      if (errors.length > 0 && !Array.isArray(body.jobs)) {
        if (/Invalid job id/i.test(restMessage(errors))) return { rows: [], records: [] };
        throw new BackendError('slurm', 'show the job', new Error(restMessage(errors)), `slurm: show the job failed: ${restMessage(errors)}`);
      }
      const jobs = list(body, 'jobs');
      const records = jobs.map((job) => {
        const record = new Map<string, string>();
        const expand = (pattern: unknown) => typeof pattern === 'string' && pattern !== '' ? expandPattern(pattern, job) : '';
        record.set('StdOut', expand(job.standard_output));
        record.set('StdErr', expand(job.standard_error) || expand(job.standard_output));
        return record;
      });
      return { rows: jobs.map(controllerJobToRow), records };
    },
    async cancel(_config, ids) {
      // slurmrestd cancels a finished job without complaint; say "already completed" as scancel does.
      const rows = about(await controllerJobs('cancel jobs'), ids);
      const errors = new Map<string, string>();
      const live: string[] = [];
      for (const id of ids) {
        const own = rows.filter((row) => row.id === id || row.rawId === id || (!id.includes('_') && row.arrayId === id));
        if (own.length > 0 && own.every(isFinished)) errors.set(id, 'Job/step already completing or completed');
        else live.push(id);
      }
      await Promise.all(
        live.map(async (id) => {
          const { errors: failed } = await rest.slurm('DELETE', `job/${encodeURIComponent(id)}`);
          if (failed.length > 0) errors.set(id, restMessage(failed));
        }),
      );
      return errors;
    },
    async queue(_config, all) {
      const rows = (await controllerJobs('list the queue')).filter((row) => !isFinished(row));
      return all ? rows : rows.filter((row) => row.user === rest.user);
    },
    async partitions() {
      const { body, errors } = await rest.slurm('GET', 'partitions');
      if (errors.length > 0 && !Array.isArray(body.partitions)) {
        throw new BackendError('slurm', 'describe partitions', new Error(restMessage(errors)), `slurm: describe partitions failed: ${restMessage(errors)}`);
      }
      return list(body, 'partitions').map(partitionToInfo);
    },
  };
}

/** sbatch filename patterns in a path slurmrestd reports unexpanded: %j %A %a %x %u %%. */
function expandPattern(pattern: string, job: Json): string {
  const values: Record<string, string> = {
    j: String(restNumber(job.job_id) ?? ''),
    A: String(restNumber(job.array_job_id) ?? ''),
    a: String(restNumber(job.array_task_id) ?? ''),
    x: typeof job.name === 'string' ? job.name : '',
    u: typeof job.user_name === 'string' ? job.user_name : '',
    '%': '%',
  };
  return pattern.replace(/%([jAaxu%])/g, (_, key: string) => values[key] ?? '');
}
