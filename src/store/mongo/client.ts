/**
 * @module store/mongo/client
 * The only file that talks to the `mongodb` driver: connecting (with a bounded wait, so an unreachable
 * server is a clear error and not a hang), whether the deployment supports transactions, sessions, and
 * turning driver errors into clear ones that never show the password. The driver loads when a store
 * opens, never when the CLI starts.
 */
import type { ClientSession, Db, MongoClient } from 'mongodb';
import { BackendError, UserError } from '../../core/errors.ts';
import { redact, type MongoTarget } from './map.ts';
import { requirePackage } from '../../vendor/require.ts';

export type { ClientSession, Db };

/** A connected client and what the deployment can do. */
export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /**
   * Multi-document transactions: a replica set or a sharded cluster (through mongos) has them; a
   * standalone server does not.
   */
  transactions: boolean;
  close(): Promise<void>;
}

/** How long to look for a usable server before giving up, unless the URL says otherwise. */
const SERVER_SELECTION_MS = 10_000;

export async function connectMongo(target: MongoTarget, options: { poolSize: number }): Promise<MongoConnection> {
  const { MongoClient } = requirePackage<typeof import('mongodb')>('mongodb');
  let client: MongoClient;
  try {
    const explicit = /[?&]serverSelectionTimeoutMS=/i.test(target.url);
    client = new MongoClient(target.url, {
      appName: 'cloudmesh',
      maxPoolSize: options.poolSize,
      ...(explicit ? {} : { serverSelectionTimeoutMS: SERVER_SELECTION_MS }),
    });
  } catch (error) {
    // The driver's parse errors may quote the string, password included.
    throw new UserError(`database.url is not a valid MongoDB connection string: ${redact((error as Error)?.message ?? String(error), target.secrets)}`, {
      hint: 'write it as mongodb://user:password@host:27017/database',
    });
  }
  try {
    await client.connect();
    const hello = (await client.db('admin').command({ hello: 1 })) as { setName?: string; msg?: string; logicalSessionTimeoutMinutes?: number };
    const transactions = (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') && hello.logicalSessionTimeoutMinutes !== undefined;
    return { client, db: client.db(target.database), transactions, close: () => client.close() };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw describeMongoError(error, target, 'connect');
  }
}

/** How often a transaction that lost a write conflict is run again. */
const TRANSACTION_ATTEMPTS = 8;

/**
 * Run `fn` in a multi-document transaction on a new session (aborted when it throws). Where a SQL server
 * makes a second writer of the same row wait for the first, MongoDB fails it at once with a transient
 * write conflict; as the driver's own `withTransaction` does, the whole transaction is then run again
 * (so `fn` may run more than once: it must only touch the store), after a short random pause.
 */
export async function inMongoTransaction<T>(connection: MongoConnection, fn: (session: ClientSession) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const session = connection.client.startSession();
    try {
      // Majority read and write concern: what a refresh commits is what every other reader then sees.
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      let result: T;
      try {
        result = await fn(session);
      } catch (error) {
        await session.abortTransaction().catch(() => undefined);
        throw error;
      }
      await commit(session);
      return result;
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !hasLabel(error, 'TransientTransactionError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }
}

/** Commit, again while the server says the outcome of the last try is unknown (the driver makes that safe). */
async function commit(session: ClientSession): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await session.commitTransaction();
      return;
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !hasLabel(error, 'UnknownTransactionCommitResult')) throw error;
    }
  }
}

export function hasLabel(error: unknown, label: string): boolean {
  const check = (error as { hasErrorLabel?: (label: string) => boolean })?.hasErrorLabel;
  return typeof check === 'function' && check.call(error, label);
}

/** Server codes worth a sentence of their own. */
const AUTH_FAILED = 18;
const UNAUTHORIZED = 13;
const DUPLICATE_KEY = 11000;

/** A driver error as a clear one: network failures name the hosts, a refused login the user; never the password. */
export function describeMongoError(error: unknown, target: MongoTarget, operation: string): Error {
  if (error instanceof UserError) return error;
  const name = (error as Error)?.name ?? '';
  const code = (error as { code?: unknown })?.code;
  const message = redact((error as Error)?.message ?? String(error), target.secrets);
  const cause = new Error(message);
  cause.name = name || 'Error';
  const user = target.user || '(none)';
  if (code === AUTH_FAILED) {
    return new UserError(`MongoDB at ${target.hosts} refused the password of user ${user}`, { cause, hint: 'check the user and password in database.url (cloudmesh.yaml), and authSource' });
  }
  if (code === UNAUTHORIZED) {
    return new UserError(`user ${user} may not ${operation} in ${target.database} on MongoDB at ${target.hosts}`, {
      cause,
      hint: 'grant the user readWrite on the database (and createIndex for migrations)',
    });
  }
  if (name === 'MongoServerSelectionError' || name === 'MongoNetworkError' || name === 'MongoNetworkTimeoutError' || name === 'MongoTopologyClosedError') {
    return new UserError(`cannot connect to MongoDB at ${target.hosts}: ${message}`, {
      cause,
      hint: 'is MongoDB running and reachable there? check database.url in cloudmesh.yaml',
    });
  }
  if (name === 'MongoParseError' || name === 'MongoAPIError' || name === 'MongoInvalidArgumentError') {
    return new UserError(`database.url is not usable for MongoDB: ${message}`, { hint: 'write it as mongodb://user:password@host:27017/database' });
  }
  if (code === DUPLICATE_KEY) return new BackendError('mongo', operation, cause, `mongo: could not ${operation}: a row with this key was written at the same moment (${message})`);
  return new BackendError('mongo', operation, cause, `mongo: could not ${operation} (${message})`);
}
