/**
 * @module commands/register/azure
 * `register azure NAME`: an Azure subscription + resource group + location, reached with a service
 * principal (client id, tenant, and the secret as an `env:VAR` / `file:PATH` reference, never the value) or
 * with the Azure CLI's login (`--cli`). Before writing, one token and two ARM reads prove the settings work
 * (sizes in the location, VMs in the resource group); `--no-check` skips that.
 */
import { defineCommand } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';

interface Input {
  name: string;
  subscription: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  cli: boolean;
  resourceGroup?: string;
  location?: string;
  endpoint?: string;
  authority?: string;
  caFile?: string;
  check: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const registerAzure = defineCommand<Input, unknown>({
  path: ['register', 'azure'],
  summary: 'Register an Azure subscription (service principal secret as env:VAR or file:PATH, or the Azure CLI login)',
  description:
    'Writes clouds.NAME with kind azure: subscription, tenant, client id, resource group and location in settings, and the client secret only as the reference you give (env:VAR or file:PATH). The resource group must exist (az group create). --endpoint, --authority and --ca-file point cloudmesh at another ARM endpoint and login host (sovereign clouds, tests).',
  examples: [
    'cm register azure az --subscription SUB --tenant TENANT --client-id APPID --client-secret env:AZURE_CLIENT_SECRET',
    'cm register azure az --subscription SUB --cli --resource-group lab --location westeurope',
  ],
  positionals: [{ name: 'name', required: true, description: 'The cloud name in cloudmesh' }],
  options: [
    { name: 'subscription', type: 'string', value: 'ID', required: true, description: 'The subscription id' },
    { name: 'tenant', type: 'string', value: 'ID', description: 'The Microsoft Entra tenant id' },
    { name: 'client-id', type: 'string', value: 'ID', description: "The service principal's application (client) id" },
    { name: 'client-secret', type: 'string', value: 'env:VAR|file:PATH', secret: true, description: 'Where the client secret is (never the secret itself)' },
    { name: 'cli', type: 'boolean', description: "Use the Azure CLI's login (az login) instead of a service principal" },
    { name: 'resource-group', type: 'string', value: 'GROUP', description: 'The resource group VMs go in (default cloudmesh)' },
    { name: 'location', type: 'string', value: 'LOCATION', description: 'The location (default eastus)' },
    { name: 'endpoint', type: 'string', value: 'URL', description: 'Another ARM endpoint (default https://management.azure.com)' },
    { name: 'authority', type: 'string', value: 'URL', description: 'Another Entra ID authority host' },
    { name: 'ca-file', type: 'string', value: 'PEM', complete: 'file', description: 'A CA certificate to trust for --endpoint/--authority' },
    { name: 'check', type: 'boolean', default: true, description: 'Try the credentials, location and resource group before writing (--no-check: do not)' },
  ],
  changesState: true,
  async run(ctx, input) {
    const { resolveAzureSettings } = await import('../../providers/compute/azure/config.ts');
    const name = input.name;
    if (!NAME.test(name)) throw new UserError(`"${name}" is not a usable cloud name (letters, digits, . _ -)`);
    const secret = input.clientSecret;
    if (secret !== undefined && !/^(env|file):\S+/.test(secret)) {
      // Never echo it: it may be the secret itself.
      throw new UserError('--client-secret must be a reference, env:VARIABLE or file:PATH, not the secret itself', { hint: 'export AZURE_CLIENT_SECRET=…; cm register azure … --client-secret env:AZURE_CLIENT_SECRET' });
    }
    if (input.cli && secret) throw new UserError('give either --cli or --client-secret, not both');
    if (!input.cli && !secret) throw new UserError('give --client-secret env:VAR|file:PATH (a service principal) or --cli (the Azure CLI login)');
    if (!input.cli && (!input.tenant || !input.clientId)) throw new UserError('a service principal needs --tenant and --client-id');
    for (const [flag, url] of [['--endpoint', input.endpoint], ['--authority', input.authority]] as const) {
      if (url !== undefined && !/^https:\/\/[^\s/]+/.test(url)) throw new UserError(`${flag} must be an https URL, not "${url}"`);
    }

    const config = await ctx.config();
    const previous = config.clouds[name];
    if (previous && previous.kind !== 'azure') throw new UserError(`cloud "${name}" is already registered as a ${previous.kind} cloud`, { hint: 'choose another name' });
    const settings: Record<string, unknown> = { ...(previous?.settings ?? {}), subscription: input.subscription };
    const set = (key: string, value: string | undefined) => (value === undefined ? undefined : (settings[key] = value));
    if (input.cli) settings.auth = 'cli';
    else delete settings.auth;
    set('tenant', input.tenant);
    set('client_id', input.clientId);
    set('resource_group', input.resourceGroup);
    set('location', input.location);
    set('endpoint', input.endpoint);
    set('authority', input.authority);
    set('ca_file', input.caFile);
    const { credentials: _old, ...rest } = previous ?? { kind: 'azure' };
    const entry = { ...rest, kind: 'azure', ...(secret ? { credentials: { client_secret: secret } } : {}), settings };
    const resolved = resolveAzureSettings(name, entry, ctx.env); // format errors before any network call

    let checked = 'not checked (--no-check)';
    if (input.check) {
      const { createAzureProvider } = await import('../../providers/compute/azure/index.ts');
      const provider = await createAzureProvider({ cloud: name, config: entry, home: ctx.home, env: ctx.env });
      try {
        const [sizes, vms] = await Promise.all([provider.listFlavors(), provider.listVms()]);
        checked = `credentials accepted; ${sizes.length} sizes in ${resolved.location}; ${vms.length} VMs in ${resolved.resourceGroup}`;
      } finally {
        await provider.close();
      }
    }
    const { setConfigEntry } = await import('../../config/edit.ts');
    const result = await setConfigEntry(ctx.home, 'clouds', name, entry, { env: ctx.env, command: 'cm register azure' });
    return {
      cloud: name,
      kind: 'azure',
      subscription: resolved.subscription,
      auth: resolved.auth === 'cli' ? 'Azure CLI login' : `service principal ${resolved.clientId} (secret from ${secret})`,
      resource_group: resolved.resourceGroup,
      location: resolved.location,
      checked,
      config: result.path,
      changed: result.changed,
    };
  },
});
