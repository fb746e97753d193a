/**
 * @module commands/portal
 * `portal start`: the REST server plus the web portal. The portal is its own package (cloudmesh-portal),
 * so this says how to install it when it is not there rather than failing somewhere later.
 */
import { defineCommand } from '../../core/command.ts';
import { serveUntilStopped } from '../../server/run.ts';
import { bindOptions, type BindInput } from '../server/index.ts';

const start = defineCommand<BindInput, unknown>({
  path: ['portal', 'start'],
  summary: 'Serve the web portal and the REST API on 127.0.0.1 (needs the cloudmesh-portal package)',
  description: 'Log in with a security key or a TOTP code enrolled from this terminal (cm auth webauthn register, cm auth totp enroll).',
  examples: ['cm portal start', 'cm portal start --port 9000'],
  options: bindOptions,
  rest: false,
  async run(ctx, input) {
    return serveUntilStopped(ctx, { ...input, requirePortal: true });
  },
});

export const commands = [start];
