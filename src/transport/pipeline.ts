/**
 * @module transport/pipeline
 * An optional capability of a transport beyond `Transport`: create a directory and open files in it in
 * one round trip, then write each file (or write it and move it elsewhere) in one more. The ssh transport
 * has it (SFTP lets several requests be in flight at once); the submit path, which pays every round trip
 * once per job, uses it when it is there and the plain `mkdir` / `writeFile` calls otherwise, with the
 * same result on the cluster.
 */

/** A file opened for writing in a new directory; its content follows in one more round trip. */
export interface OpenedFile {
  /** Write `content`, set `mode`, close. Rejects with the open's error if the file could not be opened. */
  write(content: string | Buffer, mode: number): Promise<void>;
  /** As `write`, then move the file to `path`, replacing a file there. */
  commit(content: string | Buffer, mode: number, path: string): Promise<void>;
  /** Close and remove it, unwritten (the job it was for was not submitted). Never rejects. */
  discard(): Promise<void>;
}

/** A transport that can open files in a directory it is creating without waiting for the directory. */
export interface DirectoryOpener {
  /**
   * Create `dir` (and missing parents, like `mkdir`; an existing directory is accepted) and open each of
   * `paths` (absolute; in `dir`, or in a directory that already exists) for writing, as new empty files
   * of mode 0600. Rejects only when the directory cannot be made; a file that could not be opened
   * reports its error from `write` / `commit`.
   */
  openInNewDirectory(dir: string, paths: readonly string[]): Promise<OpenedFile[]>;
}

/** Whether `transport` offers `openInNewDirectory`. */
export function canOpenInNewDirectory<T extends object>(transport: T): transport is T & DirectoryOpener {
  return typeof (transport as Partial<DirectoryOpener>).openInNewDirectory === 'function';
}
