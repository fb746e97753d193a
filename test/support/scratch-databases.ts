/**
 * @module test/support/scratch-databases
 * A throw-away database named `name` on the PostgreSQL (127.0.0.1:5432, trust) and MariaDB (127.0.0.1:3306,
 * root) servers this machine kind runs: its URL, whether the server is up, and how to create and drop it.
 */
import { spawnSync } from 'node:child_process';

export interface ScratchDatabase {
  backend: 'postgres' | 'mysql';
  url: string;
  /** The server answers (tests skip, with the reason, when it does not). */
  up: boolean;
  create(): ReturnType<typeof spawnSync>;
  drop(): ReturnType<typeof spawnSync>;
}

/**
 * The PostgreSQL and the MariaDB scratch database `name`. `password` goes into the PostgreSQL URL only (trust
 * auth ignores it), for tests that check a URL password never shows.
 */
export function scratchDatabases(name: string, options: { password?: string } = {}): [ScratchDatabase, ScratchDatabase] {
  const psql = (sql: string) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-c', sql]);
  const mysql = (sql: string) => spawnSync('mysql', ['-h', '127.0.0.1', '-uroot', '-e', sql]);
  return [
    {
      backend: 'postgres',
      url: `postgres://postgres${options.password ? `:${options.password}` : ''}@127.0.0.1:5432/${name}`,
      up: spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).status === 0,
      create: () => psql(`CREATE DATABASE ${name}`),
      drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    },
    {
      backend: 'mysql',
      url: `mysql://root@127.0.0.1:3306/${name}`,
      up: spawnSync('mysqladmin', ['-h', '127.0.0.1', '-uroot', 'ping']).status === 0,
      create: () => mysql(`CREATE DATABASE ${name}`),
      drop: () => mysql(`DROP DATABASE IF EXISTS ${name}`),
    },
  ];
}
