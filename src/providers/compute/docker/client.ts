/**
 * @module providers/compute/docker/client
 * The only file that talks to the Docker Engine: dockerode over the engine's unix socket, imported on first
 * use. Every failure is translated here: a socket that is missing or not permitted names the socket, an
 * HTTP error from the engine keeps the engine's own message, and a call that hangs is cut off. Images are
 * never pulled — a missing image is reported at once (no registry may be reachable, so a pull could hang).
 */
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import type { DockerConfig } from './config.ts';
import { demux } from './map.ts';
import { requirePackage } from '../../../vendor/require.ts';

/** What an exec inside a container produced. */
export interface ExecOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** The two dockerode clients of one engine: API calls are timed out, streams (exec) are not. */
export interface EngineClient {
  socketPath: string;
  api: Dockerode;
  streams: Dockerode;
}

/** Connect (lazily: nothing is sent until the first call). */
export async function connect(config: DockerConfig): Promise<EngineClient> {
  const Docker = requirePackage<typeof Dockerode>('dockerode');
  return {
    socketPath: config.socketPath,
    api: new Docker({ socketPath: config.socketPath, timeout: config.requestTimeoutMs }),
    streams: new Docker({ socketPath: config.socketPath }),
  };
}

/** HTTP status of a dockerode error, if the engine answered. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message for an HTTP error (`No such image: x`), else the error's message. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  const reason = (error as { reason?: unknown } | null)?.reason;
  const message = error instanceof Error ? error.message : String(error);
  return typeof reason === 'string' && !message.includes(reason) ? `${reason}: ${message}` : message;
}

/**
 * Run one engine call. Connection failures become errors naming the socket; 404s become NotFoundError
 * (`notFound` words it); other engine answers a BackendError carrying the engine's message.
 */
export async function call<T>(client: EngineClient, operation: string, action: () => Promise<T>, notFound?: string): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw translate(client.socketPath, operation, error, notFound);
  }
}

export function translate(socketPath: string, operation: string, error: unknown, notFound?: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return new UserError(`Docker socket ${socketPath} does not exist: is the Docker Engine running?`, {
      cause: error,
      hint: 'start it (see .ci/docker.sh) or register the engine with: cm register docker NAME --host unix:///path/to/docker.sock',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError(`permission denied on Docker socket ${socketPath}`, {
      cause: error,
      hint: 'add your user to the group that owns the socket (usually "docker") and log in again',
    });
  }
  if (code === 'ECONNREFUSED') return new UserError(`nothing listens on Docker socket ${socketPath}: is the Docker Engine running?`, { cause: error });
  if (code === 'ENOTSOCK') return new UserError(`${socketPath} is not a socket: check the cloud's host setting`, { cause: error });
  const status = statusOf(error);
  if (status === 404 && notFound !== undefined) return new NotFoundError(notFound, { cause: error });
  if (status === 409) return new UserError(`docker: cannot ${operation}: ${engineMessage(error)}`, { cause: error });
  if (status === 400) return new UserError(`docker: cannot ${operation}: ${engineMessage(error)}`, { cause: error });
  const timedOut = error instanceof Error && /socket hang up|timeout/i.test(error.message) && status === undefined;
  const message = timedOut ? `docker: ${operation}: the engine at ${socketPath} did not answer in time` : `docker: cannot ${operation}: ${engineMessage(error)}`;
  return new BackendError('docker', operation, error, message);
}

/**
 * Run `cmd` in a running container, without a shell and without a TTY. `input`, when given, is written to
 * the process's stdin (how secrets reach a container: never as an argument, which `docker inspect` shows).
 */
export async function execIn(client: EngineClient, id: string, cmd: readonly string[], options: { input?: string; env?: string[]; user?: string } = {}): Promise<ExecOutput> {
  const container = client.streams.getContainer(id);
  const exec = await call(client, `exec in ${id}`, () =>
    container.exec({
      Cmd: [...cmd],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: options.input !== undefined,
      Tty: false,
      ...(options.env ? { Env: options.env } : {}),
      ...(options.user ? { User: options.user } : {}),
    }), `no container ${id}`);
  const stream = await call(client, `exec in ${id}`, () => exec.start({ hijack: true, stdin: options.input !== undefined }));
  const out = new PassThrough();
  const err = new PassThrough();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  out.on('data', (chunk: Buffer) => stdout.push(chunk));
  err.on('data', (chunk: Buffer) => stderr.push(chunk));
  client.streams.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
    if (options.input !== undefined) stream.end(options.input);
  });
  const info = await call(client, `inspect exec in ${id}`, () => exec.inspect());
  return { code: info.ExitCode ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/** The container's log (stdout and stderr interleaved as the engine stored them), last `tail` lines. */
export async function logsOf(client: EngineClient, id: string, tail: number, tty: boolean): Promise<string> {
  const raw = await call(client, `read the log of ${id}`, () =>
    client.api.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail }), `no container ${id}`);
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
  return tty ? bytes.toString('utf8') : demux(bytes);
}
