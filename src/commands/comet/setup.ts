/**
 * @module commands/comet/setup
 * `comet init` fetches an API key with the user's password (a secret followed by a YubiKey OTP, so it is
 * used once and never stored) and keeps the key's secret in a 0600 file that cloudmesh.yaml references;
 * `comet active` picks the endpoint. The original wrote the API secret into the YAML in plain text.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCommand } from '../../core/command.ts';
import { BackendError, UserError } from '../../core/errors.ts';

const init = defineCommand<{ url: string; username: string; endpoint: string; apiVersion: string; password?: string }, unknown>({
  path: ['comet', 'init'],
  summary: 'Fetch a Comet API key with your password + YubiKey OTP and make the endpoint active',
  description: 'The password is used for this one request (HTTP Basic over TLS) and never stored; the API secret goes to a 0600 file next to cloudmesh.yaml, which refers to it as file:.',
  examples: ['COMET_PASSWORD="secret+otp" cm comet init --url https://comet-nucleus.sdsc.edu/nucleus --username ada'],
  options: [
    { name: 'url', type: 'string', required: true, value: 'URL', description: 'The nucleus base URL (…/nucleus)' },
    { name: 'username', type: 'string', required: true, value: 'USER', description: 'Your Comet user name' },
    { name: 'endpoint', type: 'string', default: 'production', value: 'NAME', description: 'Name to keep this endpoint under' },
    { name: 'api-version', type: 'string', default: 'v1', value: 'V', description: 'API version path segment' },
    { name: 'password', type: 'string', secret: true, value: 'PASS', description: 'Password followed by the OTP (default: $COMET_PASSWORD)' },
  ],
  changesState: true,
  async run(ctx, input) {
    const password = input.password ?? ctx.env.COMET_PASSWORD;
    if (!password) throw new UserError('no password given', { hint: 'set COMET_PASSWORD (password followed by the YubiKey OTP) or pass --password' });
    const base = `${input.url.replace(/\/+$/, '')}/${input.apiVersion.replace(/^\/|\/$/g, '')}/`;
    let response: Response;
    try {
      response = await fetch(new URL('getkey', base), {
        headers: { Authorization: `Basic ${Buffer.from(`${input.username}:${password}`).toString('base64')}`, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new BackendError('comet', 'getkey', error, `Comet nucleus service down or unreachable at ${new URL(base).origin}`);
    }
    const body = (await response.json().catch(() => ({}))) as { api_key?: string; api_secret?: string; error?: string };
    if (!response.ok || !body.api_key || !body.api_secret) {
      throw new UserError(`Comet refused the key request: ${response.status} ${body.error ?? response.statusText}`, { hint: 'check the user name, password and OTP' });
    }
    const secretFile = join(ctx.home, `comet-${input.endpoint}.secret`);
    await writeFile(secretFile, body.api_secret, { mode: 0o600 });
    await chmod(secretFile, 0o600);
    const { setConfigSection } = await import('../../config/edit.ts');
    const current = (await ctx.config()).comet ?? {};
    const endpoints = { ...current.endpoints, [input.endpoint]: { nucleus_base_url: input.url, api_version: input.apiVersion, auth_provider: 'apikey', api_key: body.api_key, api_secret: `file:${secretFile}` } };
    await setConfigSection(ctx.home, 'comet', { ...current, username: input.username, active: input.endpoint, endpoints }, { env: ctx.env, command: 'cm comet init' });
    return { endpoint: input.endpoint, username: input.username, api_key: body.api_key, api_secret: `file:${secretFile}` };
  },
});

const active = defineCommand<{ name?: string }, unknown>({
  path: ['comet', 'active'],
  summary: 'Show the Comet endpoints, or make NAME the active one',
  positionals: [{ name: 'name', description: 'Endpoint to make active' }],
  changesState: true,
  columns: ['endpoint', 'active', 'url', 'auth'],
  async run(ctx, input) {
    const comet = (await ctx.config()).comet ?? {};
    if (input.name) {
      const { pickEndpoint } = await import('../../providers/comet/index.ts');
      pickEndpoint(comet, input.name); // refuses an unknown name, with close matches
      const { setConfigSection } = await import('../../config/edit.ts');
      await setConfigSection(ctx.home, 'comet', { ...comet, active: input.name }, { env: ctx.env, command: 'cm comet active' });
    }
    const activeName = input.name ?? comet.active;
    return Object.entries(comet.endpoints ?? {}).map(([name, e]) => ({ endpoint: name, active: name === activeName, url: e.nucleus_base_url, auth: e.auth_provider ?? 'apikey' }));
  },
});

export const commands = [init, active];
