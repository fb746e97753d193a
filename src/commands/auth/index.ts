/**
 * @module commands/auth
 * Second factors for the portal and for `auth require`: security keys (WebAuthn) and TOTP. They are added
 * only here, at the user's own terminal — never through the API — and stored 0600 in $CLOUDMESH_HOME/auth,
 * never in the state database.
 */
import { hostname } from 'node:os';
import { defineCommand } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { readAuthState, removeFactor, summarize, updateAuthState } from '../../services/auth-store.ts';
import { enrollTotp } from '../../services/auth-totp.ts';

const columns = ['id', 'kind', 'name', 'created_at'] as const;

const register = defineCommand<{ name?: string; timeout: number }, unknown>({
  path: ['auth', 'webauthn', 'register'],
  summary: 'Register a security key (YubiKey or any FIDO2 key) through a one-off page on localhost',
  description:
    'Prints a http://localhost URL; open it in a browser on this machine, press the button and touch the key. ' +
    'The key then logs in to the portal, and answers the auth require check.',
  examples: ['cm auth webauthn register', 'cm auth webauthn register --name yubikey-blue'],
  options: [
    { name: 'name', type: 'string', value: 'NAME', description: 'A name to recognise the key by (default: security key)' },
    { name: 'timeout', type: 'number', value: 'SECONDS', default: 300, description: 'How long to wait for the key' },
  ],
  changesState: true,
  rest: false,
  columns,
  async run(ctx, input) {
    const { runCeremony } = await import('../../server/auth/ceremony.ts');
    return runCeremony({
      home: ctx.home,
      mode: 'register',
      name: input.name ?? 'security key',
      userName: await ctx.user(),
      timeoutMs: input.timeout * 1000,
      signal: ctx.signal,
      onUrl: (url) => ctx.out.warn(`open ${url} in a browser on this machine, press the button and touch your security key`),
    });
  },
});

const enroll = defineCommand<{ name?: string }, unknown>({
  path: ['auth', 'totp', 'enroll'],
  summary: 'Enrol an authenticator app (TOTP); prints its secret and otpauth:// URI once',
  description: 'Add the URI (or the secret) to an authenticator app. They are shown only now; the secret is stored 0600 in $CLOUDMESH_HOME/auth.',
  examples: ['cm auth totp enroll', 'cm auth totp enroll --name phone'],
  options: [{ name: 'name', type: 'string', value: 'NAME', description: 'A name for this authenticator (default: authenticator app)' }],
  changesState: true,
  rest: false,
  columns: ['id', 'name', 'secret', 'uri'],
  defaultOutput: 'yaml',
  async run(ctx, input) {
    const enrolled = await enrollTotp(ctx.home, input.name ?? 'authenticator app', `${await ctx.user()}@${hostname()}`);
    return { id: enrolled.id, name: enrolled.name, secret: enrolled.secret, uri: enrolled.uri };
  },
});

const list = defineCommand<Record<string, never>, unknown>({
  path: ['auth', 'list'],
  summary: 'List enrolled second factors (no secrets) and whether the CLI requires one',
  examples: ['cm auth list'],
  rest: false,
  columns,
  async run(ctx) {
    const state = readAuthState(ctx.home);
    return state.factors.map(summarize).map((row) => ({ ...row, required_on_cli: state.require }));
  },
});

const remove = defineCommand<{ id: string }, unknown>({
  path: ['auth', 'remove'],
  summary: 'Remove a second factor by its id',
  examples: ['cm auth remove totp-3f9a'],
  positionals: [{ name: 'id', required: true, description: 'Factor id (see cm auth list)' }],
  changesState: true,
  rest: false,
  columns,
  async run(ctx, input) {
    return removeFactor(ctx.home, input.id);
  },
});

const requireFactor = defineCommand<{ setting: 'on' | 'off' }, unknown>({
  path: ['auth', 'require'],
  summary: 'on: destructive commands and credential reads on the CLI ask for a fresh second factor',
  description: 'A TOTP code typed at the terminal, or a security-key touch on a localhost page. Dry runs are not asked.',
  examples: ['cm auth require on', 'cm auth require off'],
  positionals: [{ name: 'setting', required: true, choices: ['on', 'off'], description: 'on or off' }],
  changesState: true,
  rest: false,
  async run(ctx, input) {
    const on = input.setting === 'on';
    return updateAuthState(ctx.home, (state) => {
      if (on && state.factors.length === 0) {
        throw new UserError('no second factor is enrolled', { hint: 'first run: cm auth totp enroll (or cm auth webauthn register)' });
      }
      state.require = on;
      return { require: on ? 'on' : 'off', factors: state.factors.length };
    });
  },
});

export const commands = [register, enroll, list, remove, requireFactor];
