/**
 * @module server/serve
 * Puts the app on a socket. Loopback only unless the caller passes `unsafeBind`: the API runs commands
 * with the user's cloud credentials, so exposing it is a decision that must be spelled out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { UserError } from '../core/errors.ts';
import type { CommandSpec } from '../core/command.ts';
import { serverToken } from '../services/auth-store.ts';
import { createServerApp } from './app.ts';

export interface ServeOptions {
  home: string;
  env: Record<string, string | undefined>;
  specs: readonly CommandSpec[];
  version: string;
  port: number;
  host: string;
  unsafeBind?: boolean;
  portalDir?: string;
  readCacheMs?: number;
}

export interface RunningServer {
  /** The address to open: always by the name `localhost` on loopback (WebAuthn needs a name, not an IP). */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** 0.0.0.0 and :: listen on every address, so requests arrive under any of the machine's names. */
function wildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(options.host) && !options.unsafeBind) {
    throw new UserError(`refusing to listen on ${options.host}: only loopback addresses (127.0.0.1, ::1) are allowed`, {
      hint: 'add --unsafe-bind to expose the API to other machines (it runs commands with your cloud credentials)',
    });
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new UserError(`invalid port ${options.port}`);
  const { getRequestListener } = await import('@hono/node-server');
  serverToken(options.home); // created on first start, so `cm server token` and the server agree
  const { app, close } = createServerApp({
    home: options.home,
    env: options.env,
    specs: options.specs,
    version: options.version,
    token: () => serverToken(options.home),
    ...(options.portalDir ? { portalDir: options.portalDir } : {}),
    ...(isLoopback(options.host) ? {} : { hosts: [wildcard(options.host) ? '*' : options.host.includes(':') ? `[${options.host}]` : options.host] }),
    ...(options.readCacheMs !== undefined ? { readCacheMs: options.readCacheMs } : {}),
  });
  const server = createServer(getRequestListener(app.fetch));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`)),
    );
    server.listen(options.port, options.host === 'localhost' ? '127.0.0.1' : options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const name = isLoopback(options.host) ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${name}:${port}/`,
    port,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await close();
    },
  };
}
