/**
 * @module providers/hpc/local/config
 * Resolves the options of the `local` cluster, in particular where the detached runner program is.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../../core/errors.ts';

/** What `createLocalScheduler` accepts. */
export interface LocalSchedulerOptions {
  /** The cloudmesh home; jobs live in `<home>/jobs/<id>/`. */
  home: string;
  /** The registered cluster name (default `local`). */
  cluster?: string;
  /** Override the runner program (tests, unusual packaging). */
  runnerPath?: string;
}

/** Options with every default applied and every path absolute. */
export interface LocalConfig {
  home: string;
  cluster: string;
  jobsDir: string;
  runnerPath: string;
}

/** Apply defaults and make paths absolute, so a later `chdir` cannot move the jobs directory. */
export function resolveLocalConfig(options: LocalSchedulerOptions): LocalConfig {
  if (typeof options.home !== 'string' || options.home === '') throw new UserError('local cluster: home is not set');
  const home = resolve(options.home);
  const runnerPath = options.runnerPath === undefined ? defaultRunnerPath(import.meta.url) : resolve(options.runnerPath);
  return { home, cluster: options.cluster ?? 'local', jobsDir: join(home, 'jobs'), runnerPath };
}

/**
 * Where the runner program is, given the URL of the module asking. Run from source (Node 24 strips
 * types), the module is a `.ts` file and `runner.ts` sits beside it. Bundled, this code lives in a chunk
 * and the build emits the runner as `local-runner.js` in that chunk's directory; the runner must be its
 * own file because it is started as a separate `node` process that outlives `cm`.
 */
export function defaultRunnerPath(moduleUrl: string): string {
  const url = new URL(moduleUrl);
  const fromSource = url.pathname.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './runner.ts' : './local-runner.js', url));
}
