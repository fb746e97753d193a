/**
 * @module providers/hpc/local-script
 * Reading the script a user submits from this machine, shared by every batch adapter: what went wrong is
 * said in the user's terms (not found, a directory, not readable), anything else is the backend `kind`'s error.
 */
import { readFile } from 'node:fs/promises';
import { BackendError, NotFoundError, UserError } from '../../core/errors.ts';

/** Read the user's script file on this machine, as bytes (it may not be UTF-8). */
export async function readLocalScript(kind: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`script not found: ${path}`);
    if (code === 'EISDIR') throw new UserError(`script is a directory: ${path}`);
    if (code === 'EACCES') throw new UserError(`cannot read script: ${path}`);
    throw new BackendError(kind, `read script ${path}`, error);
  }
}
