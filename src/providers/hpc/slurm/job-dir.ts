/**
 * @module providers/hpc/slurm/job-dir
 * The files a submit leaves on the cluster: the job directory with its script, and the index entry
 * `<workdir>/index/<id>` that lets `output` find the directory from the id alone (see index.ts). Over a
 * transport that can open files in a directory it is creating (ssh), all of it costs three SFTP round
 * trips besides sbatch, where the plain `mkdir` and `writeFile` calls (used elsewhere) take seven.
 */
import { BackendError, UserError } from '../../../core/errors.ts';
import { canOpenInNewDirectory } from '../../../transport/pipeline.ts';
import type { OpenedFile } from '../../../transport/pipeline.ts';
import type { SlurmConfig } from './config.ts';

/** The part of a scheduler's state the job files need: whether `<workdir>/index` is known to exist. */
export interface JobDirState {
  config: SlurmConfig;
  indexReady: boolean;
}

/** What the index file of a job holds. */
export interface IndexEntry {
  id: string;
  /** The job directory: script and output files. */
  dir: string;
  /** The job's working directory (`--chdir`). */
  cwd: string;
  array: boolean;
  name: string;
  submittedAt: string;
}

/**
 * Create the job directory. Over ssh the directory, the script's file and the index entry's file (under
 * a temporary name in the index, until sbatch gives the id) are made in one round trip; the script is
 * written in one more, and the entry written and renamed in a third after sbatch.
 */
export async function makeJobDir(session: JobDirState, workdir: string, dir: string, scriptPath: string, stamp: string): Promise<{ scriptFile?: OpenedFile; indexFile?: OpenedFile }> {
  const { transport } = session.config;
  if (!canOpenInNewDirectory(transport)) {
    await onCluster('create the job directory', () => transport.mkdir(dir));
    return {};
  }
  // Made once, before the first job; if it cannot be made, writeIndex tries again after sbatch.
  if (!session.indexReady) session.indexReady = await transport.mkdir(`${workdir}/index`).then(() => true, () => false);
  const paths = session.indexReady ? [scriptPath, `${workdir}/index/.new-${stamp}`] : [scriptPath];
  const [scriptFile, indexFile] = await onCluster('create the job directory', () => transport.openInNewDirectory(dir, paths));
  return { ...(scriptFile ? { scriptFile } : {}), ...(indexFile ? { indexFile } : {}) };
}

export async function writeIndex(session: JobDirState, workdir: string, entry: IndexEntry, file?: OpenedFile): Promise<void> {
  const path = `${workdir}/index/${entry.id}`;
  const text = `${JSON.stringify(entry)}\n`;
  if (file) {
    try {
      return await file.commit(text, 0o600, path);
    } catch {
      // Opened early but not written (the index directory may be gone): the plain way below, which makes it.
      session.indexReady = false;
    }
  }
  if (!session.indexReady) {
    await session.config.transport.mkdir(`${workdir}/index`);
    session.indexReady = true;
  }
  await session.config.transport.writeFile(path, text, 0o600);
}

/** Run a transport file operation, wrapping its failure. */
export async function onCluster<T>(operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new BackendError('slurm', operation, error, `slurm: cannot ${operation}: ${errorText(error)}`);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
