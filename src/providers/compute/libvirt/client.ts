/**
 * @module providers/compute/libvirt/client
 * The only file that talks to libvirt and qemu-img. libvirt is driven through ONE long-lived `virsh`
 * process per provider, in its interactive mode, with commands written to its stdin:
 * - `test:///default` keeps its domains only inside one connection; one process is one connection, so a
 *   domain defined by one call is still there for the next.
 * - virsh starts (and connects) once instead of once per call, which matters for listing many domains.
 * - no binding to libvirt's C library or its XDR wire protocol is needed.
 * Every argument is quoted for virsh's own parser (`virshQuote`); virsh never hands a line to a system
 * shell. Each command is followed by two `echo --xml` markers carrying a random nonce (one to stdout, one to
 * stderr), so the output of one command is cut exactly where it ends, and its errors are attributed to it.
 */
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BackendError, UserError } from '../../../core/errors.ts';

/** One word for virsh's command parser: single-quoted unless plain (`it's` → `'it'\''s'`). */
export function virshQuote(word: string): string {
  // virsh reads one line per command through readline: a line break would end the command, a tab would
  // trigger completion. No name or path cloudmesh passes needs them.
  if (/[\0-\x1f\x7f]/.test(word)) throw new UserError(`'${word.replace(/[\0-\x1f\x7f]/g, '?')}' contains a control character, which virsh cannot take`);
  if (/^[A-Za-z0-9_\/.,:@%+=-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Longest one virsh command may take (a start of a large guest, an undefine with storage). */
const COMMAND_TIMEOUT_MS = 180_000;

/** A virsh command that printed `error: …`. */
export class VirshError extends Error {
  readonly command: string;
  constructor(command: string, detail: string) {
    super(detail);
    this.command = command;
  }
}

interface Pending {
  resolve: (stdout: string) => void;
  reject: (error: Error) => void;
  line: string;
  command: string;
  marker: string;
}

/** A connection to one libvirt URI through one interactive virsh. */
export interface VirshSession {
  readonly uri: string;
  /** Run one virsh command (argument array) and return its stdout. Commands run one at a time, in order. */
  run(args: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

export async function openVirsh(uri: string): Promise<VirshSession> {
  const nonce = randomBytes(8).toString('hex');
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn('virsh', ['-q', '-c', uri], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', TERM: 'dumb', VIRSH_HISTSIZE: '0' } });
  } catch (error) {
    throw new UserError('virsh could not be started: install libvirt-clients', { cause: error });
  }
  let stdout = '';
  let stderr = '';
  let counter = 0;
  let closed: Error | null = null;
  const queue: Pending[] = [];
  // Markers are `echo --xml <nonce-n>`: virsh prints them as `&lt;…&gt;`, which differs from the echoed
  // command line, so the echo of the line itself is never mistaken for the marker.
  const settle = () => {
    while (queue.length > 0) {
      const head = queue[0]!;
      const out = stdout.indexOf(head.marker);
      const err = stderr.indexOf(head.marker);
      if (out < 0 || err < 0) return;
      queue.shift();
      const text = stdout.slice(0, out);
      stdout = stdout.slice(out + head.marker.length);
      const errors = stderr.slice(0, err).replace(/error: *$/, '');
      stderr = stderr.slice(err + head.marker.length).replace(/^\n/, '');
      const detail = errors.split('\n').map((l) => l.replace(/^error: /, '').trim()).filter(Boolean).join('; ');
      if (detail) head.reject(new VirshError(head.command, detail));
      else head.resolve(stripEcho(text, head.line));
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; settle(); });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; settle(); });
  const fail = (error: Error) => {
    closed ??= error;
    for (const p of queue.splice(0)) p.reject(closed);
  };
  child.on('error', (error: NodeJS.ErrnoException) => {
    fail(error.code === 'ENOENT' ? new UserError('virsh is not installed: install libvirt-clients (see .ci/libvirt.sh)', { cause: error }) : error);
  });
  child.on('exit', (code) => fail(new Error(`virsh exited (${code}): ${stderr.trim().slice(0, 300)}`)));
  child.stdin.on('error', () => undefined); // a dead virsh is reported by 'exit'
  // An idle session must not keep the process alive (a caller that forgets close()); a running command
  // does, through its timeout timer.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) stream.unref?.();

  const session: VirshSession = {
    uri,
    async run(args) {
      if (closed) throw closed;
      const n = ++counter;
      const line = args.map(virshQuote).join(' ');
      const tag = `${nonce}-${n}`;
      let timer: NodeJS.Timeout | undefined;
      try {
        return await new Promise<string>((resolve, reject) => {
          queue.push({ resolve, reject, line, command: args[0] ?? '', marker: `&lt;${tag}&gt;` });
          child.stdin.write(`${line}\necho --err --xml '<${tag}>'\necho --xml '<${tag}>'\n`);
          // A virsh that stops answering would hang every later call: end it, failing what is queued.
          timer = setTimeout(() => {
            fail(new Error(`virsh did not finish '${args[0]}' within ${COMMAND_TIMEOUT_MS / 1000} s`));
            child.kill('SIGKILL');
          }, COMMAND_TIMEOUT_MS);
        });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = new Error('virsh session closed');
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(timer);
    },
  };
  try {
    await session.run(['uri']);
  } catch (error) {
    await session.close();
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot connect to libvirt at ${uri}: ${(error as Error).message}`, {
      cause: error,
      hint: uri.startsWith('qemu:///system') ? 'is libvirtd running, and may you use its socket? (see .ci/libvirt.sh)' : undefined,
    });
  }
  return session;
}

/**
 * Remove what readline echoes of the lines we wrote (`virsh # LINE`): in front of the command's output,
 * and the two marker lines after it.
 */
function stripEcho(text: string, line: string): string {
  let out = text;
  const first = `virsh # ${line}\n`;
  const at = out.indexOf(first);
  if (at >= 0) out = out.slice(at + first.length);
  return out.replace(/virsh # echo --err --xml '<[0-9a-f]+-\d+>'\n?/g, '').replace(/virsh # echo --xml '<[0-9a-f]+-\d+>'\n?$/, '').replace(/virsh # $/, '');
}

/** Wrap a virsh failure as a BackendError naming what was being done. */
export function virshFailure(uri: string, operation: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new BackendError('libvirt', operation, error, `libvirt (${uri}): cannot ${operation}: ${detail}`);
}

/** `qemu-img ARGS` (argument array, no shell); resolves with stdout, rejects with its stderr. */
export function qemuImg(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', [...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new UserError('qemu-img is not installed: install qemu-utils (LIBVIRT_QEMU=1 .ci/libvirt.sh)'));
      else if (error) reject(new BackendError('qemu-img', args[0] ?? '', error, `qemu-img ${args[0]}: ${String(stderr).trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
