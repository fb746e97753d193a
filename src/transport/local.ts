/**
 * @module transport/local
 * The `Transport` for a login node that is this machine: `spawn` with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { ExecOptions, ExecResult, ReadOptions, Transport } from '../core/transport.ts';

/** Options of the local transport. */
export interface LocalTransportOptions {
  /** Variables added to every command's environment, e.g. a PATH (tests use one without Slurm). */
  env?: Record<string, string>;
  /** A command still running after this long is killed and the call rejects (default 60 s). */
  timeoutMs?: number;
}

/** Exit code and message for a program that could not be started, as a POSIX shell reports them. */
const SPAWN_FAILURES: Record<string, { code: number; text: string }> = {
  ENOENT: { code: 127, text: 'command not found' },
  EACCES: { code: 126, text: 'permission denied' },
};

/** Commands run on this machine with `spawn` and an argument array; never a shell. */
export function createLocalTransport(options: LocalTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    host: 'this host',
    exec: (argv, execOptions = {}) => execLocal(argv, execOptions, options.env ?? {}, timeoutMs),
    async writeFile(path, content, mode = 0o600) {
      await writeFile(path, content, { mode });
      // The umask may have narrowed the create mode, and an existing file keeps its old one.
      await chmod(path, mode);
    },
    readFile: readLocal,
    async mkdir(path) {
      await mkdir(path, { recursive: true, mode: 0o700 });
    },
    async close() {},
  };
}

function execLocal(
  argv: string[],
  options: ExecOptions,
  baseEnv: Record<string, string>,
  timeoutMs: number,
): Promise<ExecResult> {
  const [program, ...args] = argv;
  if (program === undefined || program === '') return Promise.reject(new Error('exec: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, ...baseEnv, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const failure = SPAWN_FAILURES[error.code ?? ''];
      if (failure) resolve({ code: failure.code, stdout: '', stderr: `${program}: ${failure.text}\n` });
      else reject(error);
    });
    // 'close', not 'exit': only then has all output been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
    if (options.input !== undefined && child.stdin) {
      // A program that exits without reading its input must not turn into an EPIPE crash here.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

async function readLocal(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const offset = options.offset ?? 0;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (offset >= size) return Buffer.alloc(0);
    const length = Math.min(size - offset, options.maxBytes ?? size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
