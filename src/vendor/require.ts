/**
 * @module vendor/require
 * Loads a CommonJS package (the AWS SDK, ssh2, dockerode, pg, mongodb, better-sqlite3) with `require`, on
 * first use as before. These packages do not say `"type"` in their package.json, so `import()` of one makes Node parse
 * its files once more to detect whether they are ES modules: for the AWS SDK's 2 MB client that was
 * ~50 ms of CPU in every command that touches EC2. `require` knows they are CommonJS.
 */
import { createRequire } from 'node:module';

let requireHere: NodeJS.Require | undefined;

/** `module.exports` of the package `name`, typed by the caller. */
export function requirePackage<T>(name: string): T {
  // Made on first use: the SQLite opener on every command's path imports this module.
  requireHere ??= createRequire(import.meta.url);
  return requireHere(name) as T;
}
