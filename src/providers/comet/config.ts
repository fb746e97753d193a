/**
 * @module providers/comet/config
 * Which nucleus endpoint to talk to and how to authenticate, from the `comet:` section of cloudmesh.yaml.
 * The API secret and password are secrets: `env:`/`file:` references resolved only here, at use time.
 */
import type { CometConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';
import type { CometClientOptions } from './client.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The endpoint `--endpoint` names, else the `active` one, else the only one. */
export function pickEndpoint(comet: CometConfig | undefined, wanted?: string): string {
  const names = Object.keys(comet?.endpoints ?? {});
  if (names.length === 0) throw new ConfigError('no Comet endpoint is configured', { hint: 'run cm comet init --url URL --username U (or add comet.endpoints to cloudmesh.yaml)' });
  const name = wanted ?? comet?.active ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) throw new ConfigError(`several Comet endpoints are configured (${names.join(', ')}) and none is active`, { hint: 'cm comet active NAME' });
  if (!names.includes(name)) throw new ConfigError(`no Comet endpoint named "${name}"${didYouMean(name, names)}`);
  return name;
}

/** Client options for one endpoint, with its secret resolved. */
export async function clientOptions(comet: CometConfig | undefined, endpointName: string, home: string, env: Env): Promise<CometClientOptions> {
  const endpoint = comet?.endpoints?.[endpointName];
  if (!endpoint) throw new ConfigError(`no Comet endpoint named "${endpointName}"`);
  const base = endpoint.nucleus_base_url.replace(/\/+$/, '');
  const baseUrl = `${base}/${(endpoint.api_version ?? 'v1').replace(/^\/|\/$/g, '')}/`;
  const { resolveSecret } = await import('../../config/secrets.ts');
  if ((endpoint.auth_provider ?? 'apikey') === 'apikey') {
    if (!endpoint.api_key || !endpoint.api_secret) {
      throw new ConfigError(`Comet endpoint "${endpointName}" has no API key`, { hint: 'run cm comet init to fetch one, or set auth_provider: userpass' });
    }
    return { baseUrl, auth: { kind: 'apikey', apiKey: endpoint.api_key, apiSecret: resolveSecret(endpoint.api_secret, env, { baseDir: home, name: `comet.endpoints.${endpointName}.api_secret` }) } };
  }
  const username = comet?.username;
  if (!username) throw new ConfigError('comet.username is required for the userpass login');
  const password = endpoint.password ?? 'env:COMET_PASSWORD';
  return { baseUrl, auth: { kind: 'userpass', username, password: resolveSecret(password, env, { baseDir: home, name: 'the Comet password' }) } };
}
