/**
 * @module commands/register/openstack
 * `register clouds.yaml [FILE]` and `register openrc FILE`: OpenStack clouds from the files their users
 * already have. cloudmesh.yaml gets a reference to the file (and the cloud's name in it), never the
 * password: the provider reads the file again each time it authenticates. Before writing, each cloud is
 * authenticated against its Keystone once (fresh, no cached token), so a wrong auth_url, wrong credentials
 * or a silent cloud is reported now, naming the cloud; `--no-check` registers offline.
 */
import { resolve } from 'node:path';
import { defineCommand, outcome, type Context } from '../../core/command.ts';
import type { CloudConfig } from '../../core/config.ts';
import { isCmError, UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A registration check waits this long for Keystone, not the minute a command may wait. */
const CHECK_TIMEOUT_MS = 20_000;

interface Row {
  cloud: string;
  source: string;
  auth_url: string;
  project: string;
  region: string;
  checked: string;
  error?: string;
  changed?: boolean;
}

const checkOption = { name: 'check', type: 'boolean', default: true, description: 'Authenticate against Keystone before writing (--no-check: do not)' } as const;

export const registerCloudsYaml = defineCommand<{ file?: string; cloud?: string; name?: string; secure?: string; check: boolean }, unknown>({
  path: ['register', 'clouds.yaml'],
  summary: 'Register OpenStack clouds from a clouds.yaml (+ secure.yaml); the passwords stay in those files',
  description:
    'Without FILE, the clouds.yaml is found where openstacksdk looks ($OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml). Every cloud in it is registered under its own name unless --cloud picks one; a secure.yaml beside it (or --secure FILE) is merged over it at each use.',
  examples: ['cm register clouds.yaml', 'cm register clouds.yaml ~/.config/openstack/clouds.yaml --cloud chameleon', 'cm register clouds.yaml clouds.yaml --cloud devstack --name lab --no-check'],
  positionals: [{ name: 'file', complete: 'file', description: 'The clouds.yaml (default: where openstacksdk finds it)' }],
  options: [
    { name: 'cloud', type: 'string', value: 'CLOUD', description: 'Register only this cloud of the file' },
    { name: 'name', type: 'string', value: 'NAME', description: 'The name in cloudmesh (with --cloud; default: the name in the file)' },
    { name: 'secure', type: 'string', value: 'FILE', complete: 'file', description: 'A secure.yaml that is not beside the clouds.yaml' },
    checkOption,
  ],
  changesState: true,
  columns: ['cloud', 'source', 'auth_url', 'project', 'region', 'checked', 'error'],
  async run(ctx, input) {
    const { findCloudsYaml, readCloudsYaml, secureYamlBeside } = await import('../../providers/compute/openstack/sources.ts');
    const file = resolve(input.file ?? findCloudsYaml(ctx.env));
    const secure = input.secure ? resolve(input.secure) : undefined;
    const clouds = await readCloudsYaml(file, secure ?? secureYamlBeside(file));
    const names = Object.keys(clouds);
    if (input.cloud !== undefined && !clouds[input.cloud]) {
      throw new UserError(`${file} has no cloud "${input.cloud}"${didYouMean(input.cloud, names)}`, { hint: `clouds there: ${names.join(', ') || 'none'}` });
    }
    if (input.name !== undefined && input.cloud === undefined && names.length !== 1) throw new UserError('--name needs --cloud when the file holds several clouds');
    const chosen = input.cloud !== undefined ? [input.cloud] : names;
    if (chosen.length === 0) throw new UserError(`${file} lists no clouds`);
    const entries = chosen.map((inFile) => {
      const settings: Record<string, unknown> = { clouds_yaml: file, cloud: inFile };
      if (secure) settings['secure_yaml'] = secure;
      return { name: input.name ?? inFile, source: `${file} (${inFile})`, entry: { kind: 'openstack', settings } as CloudConfig };
    });
    return registerAll(ctx, entries, input.check, 'cm register clouds.yaml');
  },
});

export const registerOpenrc = defineCommand<{ file: string; name?: string; password?: string; check: boolean }, unknown>({
  path: ['register', 'openrc'],
  summary: 'Register an OpenStack cloud from an openrc file (read, never run; the password stays in it or in your environment)',
  description:
    'The OS_* assignments of the file are read at each use. An openrc that prompts for the password (read -sr OS_PASSWORD_INPUT) gets a reference instead: --password env:VAR or file:PATH (default env:OS_PASSWORD).',
  examples: ['cm register openrc ~/chameleon-openrc.sh', 'cm register openrc admin-openrc.sh --name lab --password env:LAB_PASSWORD'],
  positionals: [{ name: 'file', required: true, complete: 'file', description: 'The openrc file' }],
  options: [
    { name: 'name', type: 'string', value: 'NAME', description: 'The name in cloudmesh (default: from the file name)' },
    { name: 'password', type: 'string', value: 'REF', secret: true, description: 'Where the password is when the file has none: env:VAR or file:PATH' },
    checkOption,
  ],
  changesState: true,
  columns: ['cloud', 'source', 'auth_url', 'project', 'region', 'checked', 'error'],
  async run(ctx, input) {
    const { readFile } = await import('node:fs/promises');
    const { parseOpenrc } = await import('../../providers/compute/openstack/sources.ts');
    const file = resolve(input.file);
    const text = await readFile(file, 'utf8').catch((error: { code?: string }) => {
      throw new UserError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? 'unreadable')}`);
    });
    const { entry: parsed, dynamic } = parseOpenrc(text);
    if (Object.keys(parsed.auth ?? {}).length === 0) throw new UserError(`${file} sets no OS_* variables; is it an OpenStack openrc?`);
    if (input.password !== undefined && !/^(env|file):./.test(input.password)) {
      // A literal would end up in cloudmesh.yaml; the point of this command is that it does not.
      throw new UserError('--password takes a reference (env:VAR or file:PATH), not the password itself');
    }
    const name = input.name ?? nameFromFile(file);
    const entry: CloudConfig = { kind: 'openstack', settings: { openrc: file } };
    const hasPassword = typeof parsed.auth?.['password'] === 'string' || typeof parsed.auth?.['application_credential_secret'] === 'string';
    if (input.password !== undefined || !hasPassword) {
      const secretKey = parsed.auth?.['application_credential_id'] || parsed.auth?.['application_credential_name'] ? 'application_credential_secret' : 'password';
      entry.credentials = { [secretKey]: input.password ?? 'env:OS_PASSWORD' };
      if (input.password === undefined) ctx.out.warn(`${file} does not set the password${dynamic.length ? ` (it asks the shell for ${dynamic.join(', ')})` : ''}; cloudmesh will read it from $OS_PASSWORD (or give --password env:VAR|file:PATH)`);
    }
    return registerAll(ctx, [{ name, source: file, entry }], input.check, 'cm register openrc');
  },
});

/** `chameleon-openrc.sh` → `chameleon`; `adminrc` → `admin`; nothing left → `openstack`. */
export function nameFromFile(file: string): string {
  const base = (file.split('/').pop() ?? '').replace(/\.(sh|txt|rc)$/i, '').replace(/[-_.]?openrc$/i, '').replace(/rc$/i, '').replace(/[^A-Za-z0-9._-]/g, '-');
  return NAME.test(base) ? base : 'openstack';
}

/** Validate, check (all clouds at once) and write each entry; a cloud that fails is reported and not written. */
async function registerAll(ctx: Context, entries: Array<{ name: string; source: string; entry: CloudConfig }>, check: boolean, command: string) {
  const { resolveOpenStackConfig } = await import('../../providers/compute/openstack/config.ts');
  const config = await ctx.config();
  const rows = await Promise.all(
    entries.map(async ({ name, source, entry }): Promise<Row> => {
      const row: Row = { cloud: name, source, auth_url: '', project: '', region: '', checked: check ? 'no' : 'not checked (--no-check)' };
      try {
        if (!NAME.test(name)) throw new UserError(`"${name}" is not a usable cloud name (letters, digits, . _ -); give --name`);
        const previous = config.clouds[name];
        if (previous && previous.kind !== 'openstack') throw new UserError(`cloud "${name}" is already registered as a ${previous.kind} cloud`, { hint: 'choose another --name, or cm register remove it first' });
        const settings = await resolveOpenStackConfig(name, entry, ctx.home, ctx.env);
        Object.assign(row, { auth_url: settings.auth.authUrl, project: settings.auth.projectName ?? settings.auth.projectId ?? '(application credential)', region: settings.region ?? '' });
        if (check) {
          const { openStackProvider } = await import('../../providers/compute/openstack/index.ts');
          const provider = openStackProvider({ ...settings, timeoutMs: Math.min(settings.timeoutMs, CHECK_TIMEOUT_MS), retries: Math.min(settings.retries, 1) }, ctx.home);
          const answer = await provider.checkCredentials();
          // The catalog must offer what cloudmesh uses; an identity-only token is not a cloud for VMs.
          if (!answer.services.includes('compute')) throw new UserError(`cloud "${name}": its catalog has no compute service (only ${answer.services.join(', ')})`);
          row.checked = `ok (${answer.services.filter((s) => ['compute', 'image', 'network'].includes(s)).join(', ')})`;
        }
        // Keep what the user set on an earlier registration of this name (active, defaults), not its source.
        const kept = { ...(previous?.active !== undefined ? { active: previous.active } : {}), ...(previous?.default ? { default: previous.default } : {}) };
        row.changed = (await setConfigEntryOf(ctx, name, { ...entry, ...kept }, command)).changed;
      } catch (error) {
        if (!isCmError(error)) throw error;
        row.error = error.message;
      }
      return row;
    }),
  );
  const failed = rows.filter((r) => r.error);
  if (failed.length === 0) return rows;
  return outcome(rows, { exitCode: 1, message: `${failed.length} of ${rows.length} cloud(s) not registered: ${failed.map((r) => r.error).join('; ')}` });
}

/** Writes are serialized: setConfigEntry refuses a file that changed under it, as a parallel write would. */
let writing: Promise<unknown> = Promise.resolve();
function setConfigEntryOf(ctx: Context, name: string, entry: CloudConfig, command: string): Promise<{ changed: boolean }> {
  const next = writing.then(async () => {
    const { setConfigEntry } = await import('../../config/edit.ts');
    return setConfigEntry(ctx.home, 'clouds', name, entry as unknown as Record<string, unknown>, { env: ctx.env, command });
  });
  writing = next.catch(() => undefined);
  return next;
}
