/**
 * Helpers for tests that run the built `cm` as a user would: a fresh `$CLOUDMESH_HOME` per test and the
 * real binary (bin/cm.js → dist/cli.js) in a child process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CM = join(ROOT, 'bin', 'cm.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A new, empty cloudmesh home. */
export function tempHome(prefix = 'cm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run `cm ARGS` with `CLOUDMESH_HOME=home`; optional stdin text and extra environment. */
export function cm(home: string, args: readonly string[], options: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1', ...options.env };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [CM, ...args], { env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Run `cm … --output json` and parse stdout; fails loudly with stderr when the command failed. */
export async function cmJson<T = unknown>(home: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<T> {
  // Leading, so it is a global option even before a command that passes later words through (hpc run).
  const result = await cm(home, ['--output', 'json', ...args], options);
  if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Poll `check` until it returns a value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
