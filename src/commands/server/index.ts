/**
 * @module commands/server
 * `server start`: the REST API (and the portal, when its package is installed) on loopback;
 * `server token`: print or rotate the bearer token every API call needs.
 */
import { defineCommand, type OptionSpec } from '../../core/command.ts';
import { serverToken } from '../../services/auth-store.ts';
import { serveUntilStopped } from '../../server/run.ts';

export const bindOptions: readonly OptionSpec[] = [
  { name: 'port', short: 'p', type: 'number', value: 'PORT', description: 'TCP port, 0 picks a free one (default: server.port in cloudmesh.yaml, else 8642)' },
  { name: 'host', type: 'string', value: 'ADDRESS', description: 'Address to listen on, loopback only unless --unsafe-bind (default: server.host, else 127.0.0.1)' },
  { name: 'unsafe-bind', type: 'boolean', description: 'Allow a non-loopback address: the API runs commands with your credentials' },
];

export type BindInput = { port?: number; host?: string; unsafeBind?: boolean };

const start = defineCommand<BindInput, unknown>({
  path: ['server', 'start'],
  summary: 'Serve the REST API (and the portal, if installed) on 127.0.0.1 until interrupted',
  description:
    'Every command with a REST route is served under /api (GET reads, POST/DELETE changes); /openapi.json describes them. ' +
    'Each call needs the bearer token (cm server token) or a portal session after two-factor login. The server stops on Ctrl-C.',
  examples: ['cm server start', 'cm server start --port 9000', 'curl -H "Authorization: Bearer $(cm server token)" http://localhost:8642/api/status'],
  options: bindOptions,
  rest: false,
  async run(ctx, input) {
    return serveUntilStopped(ctx, { ...input, requirePortal: false });
  },
});

const token = defineCommand<{ rotate?: boolean }, string>({
  path: ['server', 'token'],
  summary: "Print the REST API's bearer token (created on first use, stored 0600), or --rotate it",
  description: 'Rotating takes effect at once, also in a running server: the old token stops working.',
  examples: ['cm server token', 'cm server token --rotate'],
  options: [{ name: 'rotate', type: 'boolean', description: 'Replace the token with a new random one' }],
  rest: false,
  async run(ctx, input) {
    return serverToken(ctx.home, { rotate: !!input.rotate });
  },
});

export const commands = [start, token];
