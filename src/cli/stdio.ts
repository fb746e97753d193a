/**
 * @module cli/stdio
 * Where the CLI writes its results and messages. `process.stdout` and `process.stderr` are streams whose
 * first use loads Node's whole stream stack, ~3 ms of a ~45 ms cached `cm vm list`. When the descriptor is
 * a pipe, a regular file or a socket (every script, test and `| grep`), a synchronous write to it does the
 * same job without that. A character device (a terminal, or /dev/null, which fstat cannot tell apart
 * without loading `tty`) keeps Node's stream, which knows the window size and colour depth.
 *
 * Node writes to pipes and files synchronously too (on Linux), so output written either way stays in order
 * and is complete when `cm` exits. A reader that went away (`cm vm list | head`) ends `cm` quietly with its
 * exit code, as Unix tools do.
 */
import { fstatSync, writeSync } from 'node:fs';

/** What the CLI, its reporter and the shell write to. */
export interface Output {
  write(text: string): boolean;
  readonly isTTY: boolean;
  /** Terminal width in cells; only for a terminal. */
  readonly columns: number | undefined;
  /** Node's stream for this descriptor, for code that needs a real stream (readline). */
  stream(): NodeJS.WriteStream;
}

/** Waits without spinning: the reader of a non-blocking pipe needs time to drain it. */
const pause = new Int32Array(new SharedArrayBuffer(4));

function exitQuietly(): never {
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}

/** An Output on descriptor `fd`, with `nodeStream` as Node's stream for it (created only if needed). */
function output(fd: 1 | 2, nodeStream: () => NodeJS.WriteStream): Output {
  let stream: NodeJS.WriteStream | undefined;
  const openStream = (): NodeJS.WriteStream => {
    if (!stream) {
      stream = nodeStream();
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') exitQuietly();
        throw error;
      });
    }
    return stream;
  };
  let direct: boolean | undefined;
  const writesDirectly = (): boolean => {
    if (direct === undefined) {
      try {
        const stat = fstatSync(fd);
        direct = stat.isFIFO() || stat.isFile() || stat.isSocket();
      } catch {
        direct = false;
      }
    }
    // Once Node's stream exists (readline asked for it), everything goes through it to keep the order.
    return direct && !stream;
  };
  const writeAll = (text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') exitQuietly();
        // A pipe another process made non-blocking is full: wait for its reader, then go on.
        if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 2);
        else throw error;
      }
    }
  };
  return {
    write(text) {
      if (writesDirectly()) {
        writeAll(text);
        return true;
      }
      return openStream().write(text);
    },
    get isTTY() {
      return writesDirectly() ? false : openStream().isTTY === true;
    },
    get columns() {
      return writesDirectly() ? undefined : openStream().columns;
    },
    stream: openStream,
  };
}

export const stdout: Output = output(1, () => process.stdout);
export const stderr: Output = output(2, () => process.stderr);
