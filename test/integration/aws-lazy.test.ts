/**
 * The cloud SDKs load only when a command talks to that cloud: `cm --version`, `cm vm list` (the cache) and
 * `cm register aws --no-check` must not load @aws-sdk or @azure; `cm vm refresh` of an EC2 cloud must (which
 * shows the check can fail). A module hook in the child reports every resolved SDK module on stderr.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CM, ROOT, tempHome } from '../helpers.ts';

const MOTO = process.env.CM_MOTO_URL ?? 'http://127.0.0.1:5000';
const up = await fetch(`${MOTO}/moto-api/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
const HOOK = `data:text/javascript,${encodeURIComponent(`import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (/node_modules\\/@(aws-sdk|azure)\\//.test(r.url)) process.stderr.write('SDK-LOADED ' + r.url + '\\n'); return r; } });`)}`;

const home = tempHome('cm-lazy-');
const userHome = join(home, 'user');
mkdirSync(join(userHome, '.aws'), { recursive: true });
writeFileSync(join(userHome, '.aws', 'credentials'), '[cml]\naws_access_key_id = A\naws_secret_access_key = S\n');
writeFileSync(join(userHome, '.aws', 'config'), '[profile cml]\nregion = ca-west-1\n');

function cmTraced(args: string[]): { code: number; sdk: string[] } {
  const r = spawnSync(process.execPath, ['--import', HOOK, CM, ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, CLOUDMESH_HOME: home, HOME: userHome, AWS_ENDPOINT_URL: MOTO, NO_COLOR: '1' },
  });
  return { code: r.status ?? 1, sdk: r.stderr.split('\n').filter((l) => l.startsWith('SDK-LOADED')) };
}

test('cm --version, vm list and register aws --no-check load no cloud SDK', { timeout: 120_000 }, () => {
  for (const args of [['--version'], ['register', 'aws', '--profile', 'cml', '--name', 'lazy', '--no-check'], ['vm', 'list']]) {
    const r = cmTraced(args);
    assert.equal(r.code, 0, `cm ${args.join(' ')}`);
    assert.deepEqual(r.sdk, [], `cm ${args.join(' ')} loaded: ${r.sdk.join(', ')}`);
  }
});

test('a refresh of an EC2 cloud loads the EC2 SDK (the check above can fail)', { skip: up ? false : `moto does not answer at ${MOTO}`, timeout: 60_000 }, () => {
  assert.equal(cmTraced(['register', 'aws', '--profile', 'cml', '--name', 'lazy', '--no-check']).code, 0);
  const refresh = cmTraced(['vm', 'refresh', '--cloud', 'lazy']);
  assert.equal(refresh.code, 0);
  assert.ok(refresh.sdk.some((l) => l.includes('@aws-sdk/client-ec2')), 'the EC2 SDK loads when EC2 is used');
});
