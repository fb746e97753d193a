/**
 * @module core/transport
 * Where a scheduler's commands run and its files live. Adapters (Slurm, Grid Engine, PBS) talk only to a
 * `Transport`, so the same adapter drives a cluster whose login node is this machine (transport/local) or
 * one reached over ssh (transport/ssh). Commands are always argument arrays: no transport may join them
 * into a shell string on this side.
 */

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
