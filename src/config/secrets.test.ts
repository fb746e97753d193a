/**
 * Tests of secret handling: env:/file: resolution and its errors (which never carry a secret), masking
 * of values, configs and free text, and the `config` commands built on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import type { Context } from '../core/command.ts';
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { commands } from '../commands/config/index.ts';
import { configPath, loadConfig } from './load.ts';
import { collectSecrets, isSecretKey, maskConfig, maskText, maskValue, resolveSecret } from './secrets.ts';

const SECRET = 's3cr3t-Value-42';

function tempDir(): string {
  return fs.mkdtempSync(os.tmpdir() + '/cm-');
}

/** Run `fn`, expecting a UserError; returns its message and hint joined, for leak checks. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UserError, `expected UserError, got ${String(error)}`);
    return `${error.message}\n${error.hint ?? ''}`;
  }
  return assert.fail('expected a UserError');
}

test('resolveSecret: env: reads the variable, literals pass through', () => {
  assert.equal(resolveSecret('env:CM_TOKEN', { CM_TOKEN: SECRET }), SECRET);
  assert.equal(resolveSecret('plain-literal', {}), 'plain-literal');
  assert.equal(resolveSecret('envy:X', {}), 'envy:X');
});

test('resolveSecret: a missing or empty variable is a UserError naming it and no secret', () => {
  const env = { OTHER: SECRET, EMPTY: '' };
  const missing = userError(() => resolveSecret('env:CM_MISSING', env, { name: 'clouds.aws.credentials.key' }));
  assert.equal(missing.split('\n')[0], 'environment variable CM_MISSING is not set (for clouds.aws.credentials.key)');
  assert.ok(!missing.includes(SECRET));
  assert.equal(userError(() => resolveSecret('env:EMPTY', env)).split('\n')[0], 'environment variable EMPTY is not set');
  assert.equal(userError(() => resolveSecret('env:', env)).split('\n')[0], 'secret reference "env:" names no variable');
});

test('resolveSecret: file: reads and trims, expands ~ and relative paths; errors name the file only', () => {
  const dir = tempDir();
  fs.writeFileSync(`${dir}/token`, `  ${SECRET}\n\n`, { mode: 0o600 });
  fs.writeFileSync(`${dir}/blank`, ' \n');
  assert.equal(resolveSecret(`file:${dir}/token`, {}), SECRET);
  assert.equal(resolveSecret('file:~/token', { HOME: dir }), SECRET);
  assert.equal(resolveSecret('file:token', {}, { baseDir: dir }), SECRET);

  const missing = userError(() => resolveSecret('file:~/nope', { HOME: dir, TOKEN: SECRET }));
  assert.equal(missing.split('\n')[0], `secret file ${dir}/nope not found`);
  const empty = userError(() => resolveSecret(`file:${dir}/blank`, {}));
  assert.equal(empty.split('\n')[0], `secret file ${dir}/blank is empty`);
  const directory = userError(() => resolveSecret(`file:${dir}`, {}));
  assert.equal(directory.split('\n')[0], `secret file ${dir} is a directory`);
  for (const message of [missing, empty, directory]) assert.ok(!message.includes(SECRET));
});

test('isSecretKey and maskValue', () => {
  for (const key of ['clouds.aws.credentials.region', 'clusters.h.password', 'clusters.h.token', 'database.url', 'x.client_secret', 'x.apikey', 'x.api_key', 'x.private_key', 'x.ssh_private_key']) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (const key of ['clusters.h.key', 'clusters.h.host', 'server.url', 'clouds.aws.settings.region', 'credentials']) {
    assert.equal(isSecretKey(key), false, key);
  }
  assert.equal(isSecretKey(['clouds', 'a', 'credentials', 'x']), true);

  assert.equal(maskValue('env:AWS_SECRET'), 'env:AWS_SECRET');
  assert.equal(maskValue('file:~/.cloudmesh/key'), 'file:~/.cloudmesh/key');
  assert.equal(maskValue(SECRET), '********');
  assert.equal(maskValue('postgres://u:pw@h/db'), 'postgres://u:********@h/db');
  assert.equal(maskValue('mongodb://admin:p@ss:word@db.example.org:27017/cm?tls=true'), 'mongodb://admin:********@db.example.org:27017/cm?tls=true');
  // No password to cut out: the URL's secret may be anywhere, so it is masked whole.
  assert.equal(maskValue('https://hooks.example.org/T0/B0/XYZ'), '********');
});

function sampleConfig(): Config {
  return {
    path: '/h/cloudmesh.yaml',
    version: 1,
    profile: { user: 'alice' },
    clouds: {
      aws: {
        kind: 'aws',
        credentials: { access_key_id: 'AKIA123456', secret_access_key: SECRET, session: 'env:AWS_SESSION' },
        settings: { region: 'us-east-1', api_key: 'settings-key-9', proxy: 'http://p:proxypw@proxy:3128', nested: { token: ['tok-a'] } },
        default: { image: 'ubuntu' },
      },
    },
    clusters: {
      local: { scheduler: 'local', transport: 'local' },
      hpc: { scheduler: 'slurm', host: 'login', user: 'alice', password: 'file:~/.hpcpw', token: 'cluster-token-7', key: '~/.ssh/id' },
    },
    database: { backend: 'postgres', url: 'postgres://cm:dbpass99@db.example.org/cm' },
  };
}

test('maskConfig masks literals and URL passwords, keeps references, and does not touch the original', () => {
  const config = sampleConfig();
  const original = structuredClone(config);
  const masked = maskConfig(config);
  assert.deepEqual(config, original);
  assert.deepEqual(masked.clouds['aws'], {
    kind: 'aws',
    credentials: { access_key_id: '********', secret_access_key: '********', session: 'env:AWS_SESSION' },
    settings: { region: 'us-east-1', api_key: '********', proxy: 'http://p:********@proxy:3128', nested: { token: ['********'] } },
    default: { image: 'ubuntu' },
  });
  assert.deepEqual(masked.clusters['hpc'], {
    scheduler: 'slurm', host: 'login', user: 'alice', password: 'file:~/.hpcpw', token: '********', key: '~/.ssh/id',
  });
  assert.deepEqual(masked.database, { backend: 'postgres', url: 'postgres://cm:********@db.example.org/cm' });
  assert.deepEqual(masked.profile, { user: 'alice' });
  assert.equal(masked.path, '/h/cloudmesh.yaml');
});

test('collectSecrets finds literals, URL passwords and resolvable references; maskText scrubs them', () => {
  const dir = tempDir();
  fs.writeFileSync(`${dir}/.hpcpw`, 'hpc-file-pw\n');
  const secrets = collectSecrets(sampleConfig(), { HOME: dir, AWS_SESSION: 'session-from-env' });
  assert.deepEqual(
    [...secrets].sort(),
    ['AKIA123456', SECRET, 'cluster-token-7', 'dbpass99', 'hpc-file-pw', 'proxypw', 'session-from-env', 'settings-key-9', 'tok-a'].sort(),
  );
  assert.ok(secrets.every((s, i) => i === 0 || secrets[i - 1]!.length >= s.length), 'longest first');
  // An unresolvable reference is skipped, not thrown.
  assert.ok(!collectSecrets(sampleConfig(), {}).includes('session-from-env'));

  const text = `auth failed for ${SECRET} via postgres://cm:dbpass99@db.example.org/cm (token cluster-token-7)`;
  assert.equal(maskText(text, secrets), 'auth failed for ******** via postgres://cm:********@db.example.org/cm (token ********)');
  assert.equal(maskText('abcdef abc', ['abc', 'abcdef']), '******** ********');
  assert.equal(maskText('nothing here', ['', 'zzz']), 'nothing here');
});

function fakeContext(home: string, env: Record<string, string>, warnings: string[]): Context {
  return {
    home,
    env,
    out: { warn: (m: string) => warnings.push(m), info: () => {} },
    config: () => loadConfig(home, env, (m) => warnings.push(m)),
  } as unknown as Context;
}

test('config commands: path, masked show, check with counts and unresolved-reference warnings', async () => {
  const home = tempDir();
  const path = configPath(home);
  fs.writeFileSync(
    path,
    'version: 1\nclouds:\n  aws:\n    kind: aws\n    credentials: {id: env:CM_NOPE, secret: ' + SECRET + '}\nclusters:\n  hpc: {scheduler: pbs}\n',
    { mode: 0o600 },
  );
  const byName = (name: string) => commands.find((c) => c.path.join(' ') === name)!;
  const warnings: string[] = [];
  const ctx = fakeContext(home, { USER: 'u' }, warnings);

  assert.equal(await byName('config path').run(ctx, {}), path);
  const shown = (await byName('config').run(ctx, {})) as Config;
  assert.deepEqual(shown.clouds['aws']!.credentials, { id: 'env:CM_NOPE', secret: '********' });
  assert.ok(!JSON.stringify(shown).includes(SECRET));

  warnings.length = 0;
  const result = await byName('config check').run(ctx, {});
  const expected = ['environment variable CM_NOPE is not set (for clouds.aws.credentials.id)'];
  assert.deepEqual(result, { path, ok: true, clouds: 1, clusters: 2, warnings: expected });
  assert.deepEqual(warnings, [], 'warnings are part of the result, not printed twice');
});
