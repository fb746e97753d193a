/**
 * @module providers/hpc/sge/testing
 * For tests only: whether the Grid Engine cell of ../shared/backends/gridengine-up.sh answers here, and
 * the environment its commands need when called directly from /usr/lib/gridengine (faster than the
 * /usr/bin wrappers, which source /etc/default/gridengine on every call).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How Grid Engine spells what the contract cannot know. `-hold_jid` waits for the job to end however it
 * ended (there is no afterok); in the contract's case the first job succeeds, so the wait is the same.
 */
export const SGE_CONTRACT_DIALECT = {
  taskId: (id: string, n: number) => `${id}.${n}`,
  afterOk: (id: string) => id,
  taskVariable: 'SGE_TASK_ID',
};

/** Where Debian keeps the real Grid Engine binaries. */
export const GE_BIN = '/usr/lib/gridengine';

/** The cell's client environment (from `$CM_BACKENDS/gridengine/env.sh`), or why Grid Engine is not usable. */
export function gridEngine(): { unavailable: string | null; env: Record<string, string> } {
  const envFile = join(process.env['CM_BACKENDS'] ?? '/tmp/cm-backends', 'gridengine', 'env.sh');
  if (!existsSync(join(GE_BIN, 'qsub'))) return { unavailable: `${GE_BIN}/qsub is missing (run .ci/gridengine.sh)`, env: {} };
  if (!existsSync(envFile)) return { unavailable: `${envFile} is missing (run .ci/gridengine.sh)`, env: {} };
  const env: Record<string, string> = {};
  for (const match of readFileSync(envFile, 'utf8').matchAll(/\b(SGE_[A-Z_]+)=(\S+)/g)) env[match[1] ?? ''] = match[2] ?? '';
  const ping = spawnSync(join(GE_BIN, 'qstat'), ['-g', 'c'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  if (ping.status !== 0) return { unavailable: `the Grid Engine qmaster does not answer qstat: ${(ping.stderr || ping.stdout || String(ping.error)).trim()}`, env };
  if (!/all\.q/.test(ping.stdout)) return { unavailable: 'Grid Engine answers but has no queue all.q', env };
  return { unavailable: null, env };
}
