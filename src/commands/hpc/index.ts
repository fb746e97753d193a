/**
 * @module commands/hpc
 * `hpc run|status|queue|info|kill|output`: batch jobs on any registered cluster; `local` always exists.
 */
import { defineCommand, outcome, type OptionSpec } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { killJobs, listJobs, refreshJobs, resolveCluster, submitJob, toJobSpec, type RunRequest } from '../../services/jobs.ts';
import { followOutput } from './follow.ts';

const cluster: OptionSpec = {
  name: 'cluster',
  short: 'c',
  type: 'string',
  value: 'NAME',
  complete: 'cluster',
  description: 'Registered cluster (default: the "cluster" default, else local)',
};
const jobColumns = ['cluster', 'id', 'name', 'state', 'exit_code', 'started_at', 'ended_at', 'reason'] as const;

/** `hpc run`'s input: the request, with the command words under their positional's name. */
type RunInput = Omit<RunRequest, 'words'> & { command: string[]; cluster?: string };

const run = defineCommand<RunInput, unknown>({
  path: ['hpc', 'run'],
  summary: 'Submit a script or a command as a batch job',
  description:
    'SCRIPT is a local file copied to the cluster and run there. Otherwise the words are the command and its arguments, run ' +
    'without a shell; a single quoted word is split like a shell line but never given to a shell. Use --shell to run one ' +
    'line through /bin/sh (pipes, redirection). Options go before the command: words after it belong to the command.',
  examples: [
    'cm hpc run --name train ./train.sh',
    'cm hpc run --time 10 python3 -c "print(42)"',
    'cm hpc run --shell "sort data | uniq -c > counts"',
    'cm hpc run --cluster hpc1 --stage-in data.csv --stage-out result.txt ./analyse.sh',
  ],
  positionals: [{ name: 'command', required: true, variadic: true, passthrough: true, complete: 'file', description: 'SCRIPT file, or COMMAND [ARGS...]' }],
  options: [
    cluster,
    { name: 'name', short: 'n', type: 'string', value: 'NAME', description: 'Job name (default job-<id>)' },
    { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Working directory on the cluster (created if missing)' },
    { name: 'time', short: 't', type: 'string', value: 'TIME', description: 'Wall-time limit: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS' },
    { name: 'shell', type: 'boolean', description: 'Run COMMAND as one /bin/sh command line' },
    { name: 'env', short: 'e', type: 'list', value: 'NAME=VALUE', description: 'Environment variable for the job (repeatable)' },
    { name: 'partition', short: 'p', type: 'string', value: 'NAME', description: 'Partition (queue) to run in' },
    { name: 'nodes', short: 'N', type: 'number', value: 'N', description: 'Number of nodes' },
    { name: 'ntasks', type: 'number', value: 'N', description: 'Number of tasks' },
    { name: 'cpus-per-task', type: 'number', value: 'N', description: 'CPUs per task' },
    { name: 'mem', type: 'string', value: 'SIZE', description: 'Memory per node (e.g. 500M, 4G)' },
    { name: 'array', type: 'string', value: 'SPEC', description: 'Job array, e.g. 1-10 or 1,3,5%2 (tracked per task)' },
    { name: 'dependency', type: 'string', value: 'SPEC', description: 'Start after other jobs, e.g. afterok:123' },
    { name: 'account', type: 'string', value: 'NAME', description: 'Account to charge' },
    { name: 'qos', type: 'string', value: 'NAME', description: 'Quality of service' },
    { name: 'stage-in', type: 'list', value: 'FILE', complete: 'file', description: "Copy a local file into the job's working directory first (repeatable)" },
    {
      name: 'stage-out',
      type: 'list',
      value: 'PATH',
      description: "Copy this file (relative to the job's working directory) back here once the job ended, at the next status (repeatable)",
    },
  ],
  changesState: true,
  columns: ['cluster', 'id', 'name', 'state', 'dir'],
  async run(ctx, input) {
    const { command, cluster, ...request } = input;
    return submitJob(ctx, cluster, toJobSpec({ words: command, ...request }));
  },
});

const status = defineCommand<{ ids?: string[]; cluster?: string }, unknown>({
  path: ['hpc', 'status'],
  summary: 'Refresh and show tracked jobs (one scheduler query per cluster)',
  examples: ['cm hpc status', 'cm hpc status 12 13 --cluster local', 'cm hpc status --output json'],
  positionals: [{ name: 'ids', variadic: true, complete: 'job', description: 'Job ids (default: every tracked job)' }],
  options: [cluster],
  columns: jobColumns,
  async run(ctx, input) {
    const clusterName = input.ids?.length || input.cluster ? await resolveCluster(ctx, input.cluster) : undefined;
    const rows = await listJobs(ctx, { ...(clusterName ? { cluster: clusterName } : {}), ...(input.ids ? { ids: input.ids } : {}) });
    if (input.ids?.length) {
      const missing = input.ids.filter((id) => !rows.some((row) => row.id === id));
      if (missing.length > 0) throw new UserError(`no tracked job ${missing.join(', ')} on ${clusterName}`);
    }
    return refreshJobs(ctx, rows);
  },
});

const queue = defineCommand<{ cluster?: string; all?: boolean }, unknown>({
  path: ['hpc', 'queue'],
  summary: "Jobs the cluster's scheduler has now (yours, or everybody's with --all)",
  examples: ['cm hpc queue', 'cm hpc queue --all --cluster local'],
  options: [cluster, { name: 'all', short: 'a', type: 'boolean', description: "Everybody's jobs, not only yours" }],
  columns: ['id', 'name', 'user', 'partition', 'state', 'started_at', 'reason'],
  async run(ctx, input) {
    return (await ctx.scheduler(await resolveCluster(ctx, input.cluster))).queue({ all: !!input.all });
  },
});

const info = defineCommand<{ cluster?: string }, unknown>({
  path: ['hpc', 'info'],
  summary: 'Partitions and nodes of a cluster',
  examples: ['cm hpc info', 'cm hpc info --cluster local --output json'],
  options: [cluster],
  columns: ['partition', 'state', 'nodes', 'cpus', 'timeLimit', 'detail'],
  async run(ctx, input) {
    return (await ctx.scheduler(await resolveCluster(ctx, input.cluster))).info();
  },
});

const kill = defineCommand<{ ids: string[]; cluster?: string }, unknown>({
  path: ['hpc', 'kill'],
  summary: 'Cancel jobs',
  examples: ['cm hpc kill 12 13', 'cm hpc kill 12 --dry-run'],
  positionals: [{ name: 'ids', required: true, variadic: true, complete: 'job', description: 'Job ids' }],
  options: [cluster],
  changesState: true,
  destructive: true,
  columns: ['id', 'ok', 'message'],
  async run(ctx, input) {
    const results = await killJobs(ctx, input.cluster, input.ids);
    const failed = results.filter((r) => !r.ok).length;
    return outcome(results, failed > 0 ? { exitCode: 1, message: `${failed} of ${results.length} could not be cancelled` } : {});
  },
});

const output = defineCommand<{ id: string; cluster?: string; stream?: string; follow?: boolean }, unknown>({
  path: ['hpc', 'output'],
  summary: "Print a job's output",
  examples: ['cm hpc output 12', 'cm hpc output 12 --stream stderr', 'cm hpc output 12 --follow'],
  raw: true,
  positionals: [{ name: 'id', required: true, complete: 'job', description: 'Job id' }],
  options: [
    cluster,
    { name: 'stream', type: 'string', choices: ['stdout', 'stderr'], default: 'stdout', description: 'Which output to read' },
    { name: 'follow', short: 'f', type: 'boolean', description: 'Keep printing new output until the job ends' },
  ],
  async run(ctx, input) {
    const scheduler = await ctx.scheduler(await resolveCluster(ctx, input.cluster));
    const stream = input.stream === 'stderr' ? 'stderr' : 'stdout';
    if (input.follow) return followOutput(ctx, scheduler, input.id, stream);
    // A scheduler hands output over in bounded chunks; read until there is no more.
    let text = '';
    for (let offset = 0; ; ) {
      const chunk = await scheduler.output(input.id, { stream, offset });
      if (chunk.text === '' || chunk.offset === offset) return text;
      text += chunk.text;
      offset = chunk.offset;
    }
  },
});

export const commands = [run, status, queue, info, kill, output];
