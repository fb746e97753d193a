/**
 * @module transport/ssh
 * The `Transport` for a login node reached over ssh (ssh2, imported lazily). Commands are argument arrays
 * quoted for the remote POSIX shell by `remoteCommand` (transport/quote.ts) and nothing else; files (job
 * scripts, staged data, output) go over SFTP, never through a command line. All calls of all transports for
 * one login share one pooled connection (transport/ssh-pool.ts).
 */
import { posix } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import type { ExecOptions, ExecResult, ReadOptions, Transport } from '../core/transport.ts';
import type { DirectoryOpener, OpenedFile } from './pipeline.ts';
import { remoteCommand } from './quote.ts';
import { targetName, type SshEndpoint } from './ssh-connect.ts';
import { leaseConnection } from './ssh-pool.ts';

export type { SshEndpoint, Prompter, PromptRequest } from './ssh-connect.ts';

/** Options of the ssh transport. */
export interface SshTransportOptions extends SshEndpoint {
  /** A command still running after this long is closed and the call rejects (default 60 s). */
  timeoutMs?: number;
}

/** SFTP status codes (draft-ietf-secsh-filexfer) that mean something to callers. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/** A transport that runs commands and moves files on `options.host` as `options.user`. */
export function createSshTransport(options: SshTransportOptions): Transport & DirectoryOpener {
  const lease = leaseConnection(options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    host: targetName(options),
    exec: (argv, execOptions = {}) => lease.withChannel((client) => execWithRetry(client, argv, execOptions, timeoutMs)),
    async writeFile(path, content, mode = 0o600) {
      await writeRemote(await lease.sftp(), path, typeof content === 'string' ? Buffer.from(content) : content, mode);
    },
    async readFile(path, readOptions) {
      return readRemote(await lease.sftp(), path, readOptions);
    },
    async mkdir(path) {
      await mkdirp(await lease.sftp(), path);
    },
    async openInNewDirectory(dir, paths) {
      return openInNewDirectory(await lease.sftp(), dir, paths);
    },
    close: () => lease.release(),
  };
}

/** Channels the server refused for lack of a free session are asked for again, briefly. */
async function execWithRetry(client: Client, argv: string[], options: ExecOptions, timeoutMs: number): Promise<ExecResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await execRemote(client, argv, options, timeoutMs);
    } catch (error) {
      if (attempt >= 20 || !/Channel open failure/i.test(String((error as Error).message))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * (attempt + 1)));
    }
  }
}

function execRemote(client: Client, argv: string[], options: ExecOptions, timeoutMs: number): Promise<ExecResult> {
  const line = remoteCommand(argv, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) });
  return new Promise((resolve, reject) => {
    client.exec(line, (error, stream) => {
      if (error) return reject(error);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`${argv[0]} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.on('data', (chunk: Buffer) => out.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      stream.on('exit', (exitCode: number | null, exitSignal?: string) => {
        code = exitCode;
        signal = exitSignal;
      });
      stream.on('close', () => {
        clearTimeout(timer);
        // A channel closed without an exit status means the connection went away under the command.
        if (code === null && signal === undefined) return reject(new Error('the ssh connection closed before the command finished'));
        resolve({ code: code ?? 128 + 15, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      if (options.input !== undefined) stream.end(options.input);
      else stream.end();
    });
  });
}

/** Turn an SFTP callback into a promise, giving "no such file" the `ENOENT` code callers test for. */
function sftpCall<T>(call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, value) => (error ? reject(withCode(error)) : resolve(value as T)));
  });
}

function withCode(error: Error): Error {
  const status = (error as { code?: unknown }).code;
  if (status === SFTP_NO_SUCH_FILE) Object.assign(error, { code: 'ENOENT' });
  else if (status === SFTP_PERMISSION_DENIED) Object.assign(error, { code: 'EACCES' });
  return error;
}

/**
 * Open, then send the data, the mode and the close without waiting for each answer: the server applies
 * requests on one handle in the order sent, so a small file costs two round trips instead of five. The
 * mode is set on the handle because an existing file keeps its old mode on open (and the umask narrows a
 * new one), as the local transport does. The close goes out even when a write fails: no handle is left open.
 */
async function writeRemote(sftp: SFTPWrapper, path: string, data: Buffer, mode: number): Promise<void> {
  const handle = await sftpCall<Buffer>((done) => sftp.open(path, 'w', { mode }, done));
  await settleAll(finishWrite(sftp, handle, data, mode));
}

/**
 * The requests that fill an open handle with `data`, set its mode and close it, all sent at once. A file
 * opened earlier is also cut to `data`'s length, in case something wrote there since (as a stage-in file
 * of the same name would): the result is then what a truncating open would have left.
 */
function finishWrite(sftp: SFTPWrapper, handle: Buffer, data: Buffer, mode: number, openedEarlier = false): Promise<unknown>[] {
  const pending: Promise<unknown>[] = [];
  const CHUNK = 32 * 1024;
  for (let at = 0; at < data.length; at += CHUNK) {
    const length = Math.min(CHUNK, data.length - at);
    pending.push(sftpCall<void>((done) => sftp.write(handle, data, at, length, at, done)));
  }
  const attributes = openedEarlier ? { mode, size: data.length } : { mode };
  pending.push(sftpCall<void>((done) => sftp.fsetstat(handle, attributes, done)));
  pending.push(sftpCall<void>((done) => sftp.close(handle, done)));
  return pending;
}

/** Wait for every answer, then throw the first failure: no request is left running behind an error. */
async function settleAll(pending: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(pending);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

async function readRemote(sftp: SFTPWrapper, path: string, options: ReadOptions = {}): Promise<Buffer> {
  const offset = options.offset ?? 0;
  const handle = await sftpCall<Buffer>((done) => sftp.open(path, 'r', done));
  try {
    const { size } = await sftpCall<{ size: number }>((done) => sftp.fstat(handle, done));
    if (offset >= size) return Buffer.alloc(0);
    const length = Math.min(size - offset, options.maxBytes ?? size - offset);
    const buffer = Buffer.alloc(length);
    // The server answers a read with at most its packet size (OpenSSH: 256 KiB): keep asking.
    let filled = 0;
    while (filled < length) {
      const got = await sftpCall<number>((done) => sftp.read(handle, buffer, filled, length - filled, offset + filled, (error, bytes) => done(error, bytes)));
      if (got === 0) break;
      filled += got;
    }
    return buffer.subarray(0, filled);
  } finally {
    await sftpCall<void>((done) => sftp.close(handle, done)).catch(() => undefined);
  }
}

/**
 * The mkdir and the opens go out together and the server handles them in the order sent, so the files
 * open in the directory just made: one round trip instead of two or more. A directory that could not be
 * made that way (a missing parent, one already there) is made the careful way and the files opened again.
 */
async function openInNewDirectory(sftp: SFTPWrapper, dir: string, paths: readonly string[]): Promise<OpenedFile[]> {
  const openAll = () =>
    paths.map((path) => {
      const opening = sftpCall<Buffer>((done) => sftp.open(path, 'w', { mode: 0o600 }, done));
      opening.catch(() => undefined); // its error is reported by write/commit, if the caller gets there
      return opening;
    });
  const made = sftpCall<void>((done) => sftp.mkdir(dir, { mode: 0o700 }, done));
  let handles = openAll();
  try {
    await made;
  } catch {
    for (const result of await Promise.allSettled(handles)) {
      if (result.status === 'fulfilled') sftp.close(result.value, () => undefined);
    }
    await mkdirp(sftp, dir);
    handles = openAll();
  }
  return handles.map((handle, i) => openedFile(sftp, paths[i]!, handle));
}

function openedFile(sftp: SFTPWrapper, openedAt: string, opening: Promise<Buffer>): OpenedFile {
  const bytes = (content: string | Buffer) => (typeof content === 'string' ? Buffer.from(content) : content);
  return {
    async write(content, mode) {
      await settleAll(finishWrite(sftp, await opening, bytes(content), mode, true));
    },
    async commit(content, mode, path) {
      const data = bytes(content);
      const pending = finishWrite(sftp, await opening, data, mode, true);
      // posix-rename (OpenSSH) replaces an existing target, as writeFile would; plain SFTP rename refuses to.
      const moved = sftpCall<void>((done) => sftp.ext_openssh_rename(openedAt, path, done)).then(() => true, () => false);
      await settleAll(pending);
      if (await moved) return;
      await writeRemote(sftp, path, data, mode);
      await sftpCall<void>((done) => sftp.unlink(openedAt, done)).catch(() => undefined);
    },
    async discard() {
      const handle = await opening.catch(() => null);
      if (!handle) return;
      const closed = sftpCall<void>((done) => sftp.close(handle, done));
      await settleAll([closed, sftpCall<void>((done) => sftp.unlink(openedAt, done))]).catch(() => undefined);
    },
  };
}

/** `mkdir -p` over SFTP: create what is missing from the deepest existing parent down. */
async function mkdirp(sftp: SFTPWrapper, path: string): Promise<void> {
  try {
    await sftpCall<void>((done) => sftp.mkdir(path, { mode: 0o700 }, done));
    return;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const parent = posix.dirname(path);
    if (code === 'ENOENT' && parent !== path) {
      await mkdirp(sftp, parent);
      await sftpCall<void>((done) => sftp.mkdir(path, { mode: 0o700 }, done)).catch((again: unknown) => existingDirectory(sftp, path, again));
      return;
    }
    await existingDirectory(sftp, path, error);
  }
}

/** Accept an existing directory (OpenSSH answers mkdir on one with a generic failure); rethrow otherwise. */
async function existingDirectory(sftp: SFTPWrapper, path: string, error: unknown): Promise<void> {
  const stats = await sftpCall<{ isDirectory(): boolean }>((done) => sftp.stat(path, done)).catch(() => null);
  if (stats?.isDirectory()) return;
  throw error;
}
