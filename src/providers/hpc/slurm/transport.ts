/**
 * @module providers/hpc/slurm/transport
 * Where Slurm's commands run and its files live. The Slurm adapter talks only to a `Transport`, so the
 * same adapter drives a cluster whose login node is this machine (`createLocalTransport`, here) or one
 * reached over ssh (a later transport with the same contract). Commands are always argument arrays: no
 * transport may join them into a shell string on this side.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';

/** Options of one command. */
export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed (no stdin at all when absent). */
  input?: string;
  /** Working directory on the host; the transport's default (home over ssh, cwd locally) when absent. */
  cwd?: string;
  /** Variables added to (not replacing) the command's environment. */
  env?: Record<string, string>;
}

/** How a command ended. A program that ran and failed is a result, not a rejection. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where to read a file from and how much at most. */
export interface ReadOptions {
  offset?: number;
  maxBytes?: number;
}

/**
 * The host Slurm's client commands run on. The contract every transport keeps, so the adapter never
 * needs to know which one it has:
 * - `exec` resolves with the exit code for anything that ran; a program that is not on the host's PATH
 *   resolves with code 127 and `<program>: command not found` on stderr (what a remote shell answers);
 *   it rejects only when the host could not be asked at all (connection lost, timeout).
 * - `readFile` rejects with an error whose `code` is `'ENOENT'` when the file does not exist.
 * - `writeFile` and `mkdir` take absolute paths; `mkdir` creates parents and accepts an existing directory.
 */
export interface Transport {
  /** Where commands run, for messages ("this host", "hpc@login1"). */
  readonly host?: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  readFile(path: string, options?: ReadOptions): Promise<Buffer>;
  mkdir(path: string): Promise<void>;
  /** Release connections; a closed transport is not used again. */
  close(): Promise<void>;
}

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
