/**
 * @module config/cache
 * Remembers the validated content of cloudmesh.yaml so that commands skip loading and running the YAML
 * parser when the file has not changed. The cache is keyed by the file's full text (not its mtime), so an
 * edit is never missed; and a file holding a literal secret is never cached, so secrets exist only in the
 * user's own file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FORMAT = 1;

function cacheFile(home: string): string {
  return join(home, '.cache', 'config.json');
}

/** The validated content for exactly this text, if it was cached. */
export function readCached<T>(home: string, text: string): T | undefined {
  try {
    const cached = JSON.parse(readFileSync(cacheFile(home), 'utf8')) as { format: number; text: string; value: T };
    return cached.format === FORMAT && cached.text === text ? cached.value : undefined;
  } catch {
    return undefined;
  }
}

/** Cache `value` for `text`. Best effort: a read-only home just means no cache. */
export function writeCached(home: string, text: string, value: unknown): void {
  try {
    mkdirSync(join(home, '.cache'), { recursive: true, mode: 0o700 });
    const target = cacheFile(home);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ format: FORMAT, text, value }), { mode: 0o600 });
    renameSync(temp, target);
  } catch {
    // Nothing to do: the next run parses the YAML again.
  }
}
