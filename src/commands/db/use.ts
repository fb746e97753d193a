/**
 * @module commands/db/use
 * `db use sqlite [PATH] | postgres URL | mysql URL | mongo URL`: point cloudmesh at another state database.
 * The target is opened and migrated first, so the config never names a database that cannot be reached;
 * only then is the `database:` section of cloudmesh.yaml rewritten (config/edit.ts). A URL holding a
 * password is accepted as `env:VAR` or `file:PATH`, and in place only with `--store-url`, so that by
 * default no password is typed on a command line (shell history) or written into the config.
 */
import { defineCommand, outcome } from '../../core/command.ts';
import type { Config, DatabaseConfig } from '../../core/config.ts';
import { isCmError, UsageError, UserError } from '../../core/errors.ts';
import { setDatabaseSection } from '../../config/edit.ts';
import { DATABASE_BACKENDS } from '../../config/schema.ts';
import { collectSecrets, isSecretReference, maskText } from '../../config/secrets.ts';
import { openStore } from '../../store/registry.ts';
import { scopeFor } from '../../store/scope.ts';

/** What `db use` reports. */
export interface UseResult {
  backend: string;
  /** Where the state now is, any password masked. */
  location: string;
  /** How cloudmesh.yaml names it (`env:CM_DB_URL`, a path), absent for the default SQLite file. */
  setting?: string;
  config: string;
  /** The copy of the previous cloudmesh.yaml; absent when it already named this database. */
  backup?: string;
  changed: boolean;
}

const SERVER_EXAMPLES: Record<string, string> = {
  postgres: 'postgres://USER:PASSWORD@HOST:5432/DATABASE',
  mysql: 'mysql://USER:PASSWORD@HOST:3306/DATABASE',
  mongo: 'mongodb://USER:PASSWORD@HOST:27017/DATABASE',
};

/** `db use`. */
export const useCommand = defineCommand<{ backend: string; location?: string; storeUrl?: boolean }, UseResult>({
  path: ['db', 'use'],
  summary: 'Switch the state database (rewrites the database section of cloudmesh.yaml)',
  description:
    'Opens the new database and brings its schema up to date, then rewrites only the database: section of cloudmesh.yaml (comments and everything else kept; ' +
    'the previous file is kept as cloudmesh.yaml.bak-TIME). Nothing changes if the database cannot be reached or the config is invalid. ' +
    'A sqlite PATH is relative to CLOUDMESH_HOME. A server URL that holds a password must be given as env:VAR or file:PATH unless --store-url is passed. ' +
    'State is not copied: use cm db export and cm db import for that.',
  examples: [
    'cm db use sqlite',
    'cm db use sqlite team.db',
    'read -rs CM_DB_URL && export CM_DB_URL && cm db use postgres env:CM_DB_URL',
    'cm db use mysql file:~/.cloudmesh/db-url',
    'cm db use postgres postgres://cm@db.example.org/cloudmesh   (no password: peer, trust or certificate login)',
  ],
  positionals: [
    { name: 'backend', required: true, choices: DATABASE_BACKENDS, description: 'The kind of database' },
    { name: 'location', secret: true, complete: 'file', description: 'sqlite: PATH (default cloudmesh.db); others: URL, env:VAR or file:PATH' },
  ],
  options: [{ name: 'store-url', type: 'boolean', description: 'Write a URL that holds a password into cloudmesh.yaml as typed' }],
  changesState: true,
  // Switching the database of a running server from a client is not something a REST call should do.
  rest: false,
  async run(ctx, input) {
    const { backend } = input;
    const section = sectionFor(backend, input.location, input.storeUrl === true);
    // An invalid config is refused before anything is opened (setDatabaseSection checks again before writing).
    const config = await ctx.config();
    const secrets = collectSecrets({ ...config, database: section } satisfies Config, ctx.env, { baseDir: ctx.home });
    let location: string;
    try {
      // With this home's scope, so that a migration adopts the rows written before owners existed for this user.
      const store = await openStore(section, ctx.home, ctx.env, scopeFor(config, ctx.home, ctx.env));
      try {
        await store.migrate();
        location = store.location;
      } finally {
        await store.close();
      }
    } catch (error) {
      // A driver's or the file system's own error (EEXIST from a path through a file) is still the user's to fix.
      const known = isCmError(error) ? error : new UserError(`cannot open the ${backend} database: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      throw scrub(known, secrets, 'cloudmesh.yaml was not changed');
    }
    const edit = await setDatabaseSection(ctx.home, section, { env: ctx.env, now: ctx.now() });
    const setting = section.url ?? section.path;
    const data: UseResult = { backend, location, ...(setting ? { setting: maskText(setting, secrets) } : {}), config: edit.path, ...(edit.backup ? { backup: edit.backup } : {}), changed: edit.changed };
    // A shell or server notices the changed file before its next command (services/context.ts) and opens the new store then.
    return ctx.face === 'cli' || !edit.changed ? data : outcome(data, { message: 'the next command uses the new database' });
  },
});

/** The `database:` section for the arguments, refusing a password typed in place without --store-url. */
function sectionFor(backend: string, location: string | undefined, storeUrl: boolean): DatabaseConfig {
  if (backend === 'sqlite') {
    if (location === undefined || location === '') return { backend };
    if (isSecretReference(location) || /^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
      throw new UsageError('sqlite takes a file PATH, not a URL or a secret reference', { hint: 'cm db use sqlite [PATH]' });
    }
    return { backend, path: location };
  }
  const example = SERVER_EXAMPLES[backend] ?? 'URL';
  if (location === undefined || location === '') {
    throw new UsageError(`"db use ${backend}" needs the database URL, or env:VAR / file:PATH holding it`, { hint: `cm db use ${backend} env:CM_DB_URL   (with CM_DB_URL=${example})` });
  }
  if (!isSecretReference(location) && hasPassword(location) && !storeUrl) {
    // The message never repeats the URL: it holds the password.
    throw new UserError(`the ${backend} URL holds a password: give it as env:VAR or file:PATH so it stays out of shell history and cloudmesh.yaml (or pass --store-url to write it into cloudmesh.yaml as typed); nothing was changed`, {
      hint: `read -rs CM_DB_URL && export CM_DB_URL   (type ${example}), then: cm db use ${backend} env:CM_DB_URL`,
    });
  }
  return { backend, url: location };
}

/** A userinfo password (`user:pw@`) or a `?password=` style query parameter. */
function hasPassword(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:[^/?#]+@/i.test(url)) return true;
  if (/[?&][^=&#]*pass[^=&#]*=/i.test(url)) return true;
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/**
 * The error with every secret of the new section masked in it and its causes: the session scrubs output
 * with the secrets of the config it loaded, which does not know the URL being switched to.
 */
function scrub(error: unknown, secrets: readonly string[], note: string): unknown {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    current.message = maskText(current.message, secrets);
    if (current.stack) current.stack = maskText(current.stack, secrets);
    if (isCmError(current) && current.hint) current.hint = maskText(current.hint, secrets);
    current = current.cause;
  }
  if (isCmError(error)) error.hint = [error.hint, note].filter(Boolean).join('; ');
  return error;
}
