/**
 * @module transport/stage
 * `--stage-in` / `--stage-out` over any `Transport` (SFTP for ssh): local files are copied into the job's
 * working directory before the job is submitted, and named result files are copied back once it ended.
 * Shared by the adapters of every command-line scheduler.
 */
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { NotFoundError, UserError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';

/** Bytes read per round trip when copying a result back. */
const CHUNK = 4 * 1024 * 1024;

/** One staged-in file: where it is here, and its name in the job's directory. */
export interface StageInFile {
  local: string;
  name: string;
  content: Buffer;
  mode: number;
}

/**
 * Read every stage-in file before anything is written on the cluster, so a missing one leaves no trace
 * (and nothing is submitted). Two files may not land on the same name.
 */
export async function readStageIn(paths: readonly string[] | undefined): Promise<StageInFile[]> {
  const files: StageInFile[] = [];
  for (const path of paths ?? []) {
    if (typeof path !== 'string' || path === '') throw new UserError('--stage-in needs a file name');
    const local = resolve(path);
    let info;
    try {
      info = await stat(local);
    } catch {
      throw new NotFoundError(`stage-in file not found: ${path}`);
    }
    if (!info.isFile()) throw new UserError(`stage-in ${path} is not a regular file`);
    const content = await readFile(local).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read stage-in file ${path}: ${error.code ?? error.message}`);
    });
    const name = basename(local);
    if (files.some((file) => file.name === name)) throw new UserError(`two stage-in files are both named ${name}`);
    files.push({ local, name, content, mode: info.mode & 0o777 });
  }
  return files;
}

/** A stage-out path must stay inside the job's directory here and there: relative, without `..`. */
export function checkStageOut(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).map((path) => {
    if (typeof path !== 'string' || path === '') throw new UserError('--stage-out needs a file name');
    if (isAbsolute(path) || path.split('/').includes('..')) {
      throw new UserError(`--stage-out ${path}: give a path relative to the job's working directory, without '..'`);
    }
    return path;
  });
}

/** Copy the stage-in files into `dir` on the cluster. */
export async function uploadStageIn(transport: Transport, dir: string, files: readonly StageInFile[]): Promise<void> {
  for (const file of files) await transport.writeFile(posix.join(dir, file.name), file.content, file.mode | 0o600);
}

/** What stage-out did with one file. */
export interface StagedFile {
  file: string;
  local: string;
  bytes: number | null;
  error: string | null;
}

/** Copy each of `paths` (relative to `dir` on the cluster) to the same relative path under `localDir`. */
export async function downloadStageOut(transport: Transport, dir: string, paths: readonly string[], localDir: string): Promise<StagedFile[]> {
  const results: StagedFile[] = [];
  for (const path of checkStageOut(paths)) {
    const local = join(localDir, path);
    try {
      results.push({ file: path, local, bytes: await copyBack(transport, posix.join(dir, path), local), error: null });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      results.push({ file: path, local, bytes: null, error: code === 'ENOENT' ? 'the job did not create it' : (error as Error).message });
    }
  }
  return results;
}

/** Page the remote file into a local one; written under a temporary name so a half copy never shows. */
async function copyBack(transport: Transport, remote: string, local: string): Promise<number> {
  await mkdir(dirname(local), { recursive: true });
  const temp = `${local}.cm-partial`;
  const handle = await open(temp, 'w', 0o600);
  let offset = 0;
  try {
    for (;;) {
      const chunk = await transport.readFile(remote, { offset, maxBytes: CHUNK });
      if (chunk.length === 0) break;
      await handle.write(chunk);
      offset += chunk.length;
      if (chunk.length < CHUNK) break;
    }
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, local);
  return offset;
}

/**
 * A scheduler that can copy a finished job's result files back. Not part of the core `Scheduler` port:
 * the local cluster's jobs already write here, and a scheduler without it reports stage-out unsupported.
 */
export interface StageOutCapable {
  stageOut(id: string, paths: readonly string[], localDir: string): Promise<StagedFile[]>;
}

/** Whether `scheduler` can stage out. */
export function canStageOut(scheduler: object): scheduler is StageOutCapable {
  return typeof (scheduler as Partial<StageOutCapable>).stageOut === 'function';
}
