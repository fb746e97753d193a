/**
 * @module providers/hpc/qsub/client
 * How a qsub-family adapter runs its commands: every command through the transport as an argument
 * array, the configured command directory and environment applied in one place, and the failures
 * translated once — a missing program means the scheduler is not installed there (the user's problem),
 * anything the scheduler refuses is a `BackendError` that leads with the scheduler's own message.
 */
import { BackendError, UserError } from '../../../core/errors.ts';
import type { ExecOptions, ExecResult } from '../../../core/transport.ts';
import type { QsubConfig } from './config.ts';

/** What a dialect's commands get: the cluster's settings and the shared ways to run and fail. */
export interface QsubContext {
  readonly config: QsubConfig;
  /** `sge` or `pbs`, for BackendError. */
  readonly kind: string;
  /** `Grid Engine`, `PBS`, for messages. */
  readonly label: string;
  /** Run a scheduler command (argv[0] is looked up in `bin` when set) or a plain host command. */
  run(operation: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** The BackendError for a command that exited non-zero. */
  failed(operation: string, argv: readonly string[], result: ExecResult): BackendError;
  /** The user the commands run as on the cluster (asked once). */
  user(): Promise<string>;
  /** Per-scheduler facts learned once (PBS flavour, Moab present …). */
  readonly memo: Map<string, unknown>;
}

/** Build the context for one scheduler instance. `programs` are the scheduler's own commands. */
export function createContext(config: QsubConfig, kind: string, label: string, programs: ReadonlySet<string>): QsubContext {
  const host = config.transport.host ?? 'the cluster host';
  let user: Promise<string> | null = null;
  const context: QsubContext = {
    config,
    kind,
    label,
    memo: new Map(),
    async run(operation, argv, options = {}) {
      const [program = '', ...args] = argv;
      const ours = programs.has(program);
      const command = ours && config.bin !== undefined ? [`${config.bin}/${program}`, ...args] : argv;
      const env = ours ? { ...config.env, ...options.env } : options.env;
      let result: ExecResult;
      try {
        result = await config.transport.exec(command, { ...options, ...(env && Object.keys(env).length > 0 ? { env } : {}) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new BackendError(kind, operation, error, `${kind}: cannot ${operation} on ${host}: ${message}`);
      }
      if (result.code === 127 && ours) {
        throw new UserError(`${label} is not installed on ${host} (cluster "${config.cluster}"): ${program} not found`, {
          hint: config.bin === undefined
            ? `install the ${label} client commands there, or put them on the PATH of non-interactive sessions`
            : `check the cluster's bin directory ${config.bin}`,
        });
      }
      if (result.code === 127) throw new UserError(`cannot ${operation} on ${host}: ${program} not found`);
      return result;
    },
    failed(operation, argv, result) {
      const text = (result.stderr.trim() || result.stdout.trim()).replace(/\s+/g, ' ');
      const cause = new Error(`${argv[0]} exited with code ${result.code}: ${text}`);
      return new BackendError(kind, operation, cause, `${kind}: ${operation} failed: ${firstMessage(result.stderr || result.stdout)}`);
    },
    user() {
      user ??= (async () => {
        const argv = ['id', '-un'];
        const result = await context.run('find the cluster user', argv);
        const name = result.stdout.trim();
        if (result.code !== 0 || name === '') throw context.failed('find the cluster user', argv, result);
        return name;
      })();
      user.catch(() => {
        user = null; // asked again next time
      });
      return user;
    },
  };
  return context;
}

/** The line of a command's output worth showing: the first error, else the first non-empty line. */
export function firstMessage(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && line !== 'Exiting.');
  return lines.find((line) => /error|denied|unable|not /i.test(line)) ?? lines[0] ?? '(no message)';
}

/** The cluster user's home directory, where relative cluster paths start. */
export async function clusterHome(context: QsubContext): Promise<string> {
  const argv = ['printenv', 'HOME'];
  const result = await context.run('find the home directory', argv);
  const home = result.stdout.trim();
  if (result.code !== 0 || !home.startsWith('/')) throw context.failed('find the home directory', argv, { ...result, stderr: 'HOME is not set' });
  return home;
}

/** Best effort: remove a job directory this adapter just created, after qsub refused the job. */
export async function removeJobDir(context: QsubContext, dir: string): Promise<void> {
  await context.config.transport.exec(['rm', '-rf', '--', dir]).catch(() => {});
}

/** Names of the files in a cluster directory (none when it does not exist), in one command. */
export async function listDirectory(context: QsubContext, dir: string): Promise<Set<string>> {
  const result = await context.run('list cancelled jobs', ['ls', '-1A', '--', dir]);
  if (result.code !== 0) return new Set();
  return new Set(result.stdout.split('\n').filter((line) => line !== ''));
}
