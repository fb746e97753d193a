// `cm stack …` against the real OpenStack Heat that .ci/openstack.sh starts (openstack-up.sh + heat-up.sh):
// a stack with a server and a security group created, its outputs read, updated and deleted, and Heat's
// own reasons shown for a template Heat refuses and for one that fails at create time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cm, cmJson, tempHome } from '../helpers.ts';

const EXAMPLES = join(ROOT, '..', 'shared', 'backends', 'examples');
const up = async (url: string) => fetch(url, { signal: AbortSignal.timeout(3000) }).then(() => true, () => false);
const heatUp = existsSync(join(EXAMPLES, 'heat-server.yaml')) && (await up('http://127.0.0.1:5100/v3')) && (await up('http://127.0.0.1:8004/'));
const skip = heatUp ? false : 'no Keystone on 127.0.0.1:5100 or no Heat API on 127.0.0.1:8004 (.ci/openstack.sh starts both)';

const suffix = randomBytes(3).toString('hex');
const name = `cm-heat-${suffix}`;
let home: string;
const env = { CM_TEST_OS_PASSWORD: 'secret' };
const run = (args: string[]) => cm(home, args, { env, timeoutMs: 600_000 });
const json = <T>(args: string[]) => cmJson<T>(home, args, { env });

before(() => {
  home = tempHome();
  writeFileSync(join(home, 'cloudmesh.yaml'), [
    'version: 1',
    'clouds:',
    '  os:',
    '    kind: openstack',
    '    credentials: { password: env:CM_TEST_OS_PASSWORD }',
    '    settings: { auth_url: "http://127.0.0.1:5100/v3", username: admin, project_name: admin, user_domain_name: Default, project_domain_name: Default, region_name: RegionOne }',
    '',
  ].join('\n'), { mode: 0o600 });
});
after(async () => {
  if (!heatUp) return;
  for (const stack of [name, `${name}-bad`]) await run(['stack', 'delete', stack, '--cloud', 'os', '--wait']);
});

test('a Heat stack with a server and a security group: create, outputs, update, delete', { skip, timeout: 900_000 }, async () => {
  await run(['default', 'cloud=os']);
  const created = await json<{ status: string; outputs: Record<string, string> }>(['stack', 'create', name, '--template', join(EXAMPLES, 'heat-server.yaml'), '--param', `server_name=${name}-vm`, '--wait', '--timeout', '10']);
  assert.equal(created.status, 'CREATE_COMPLETE');
  assert.match(created.outputs.server_id ?? '', /^[0-9a-f-]{36}$/);
  assert.match(created.outputs.server_net1_ip ?? '', /^10\.99\./);
  const again = await run(['stack', 'create', name, '--template', join(EXAMPLES, 'heat-server.yaml')]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already has a stack/);

  const listed = await json<Array<{ name: string; status: string }>>(['stack', 'list']);
  assert.equal(listed.find((s) => s.name === name)?.status, 'CREATE_COMPLETE');
  const shown = await json<{ outputs: Record<string, string> }>(['stack', 'show', name]);
  assert.equal(shown.outputs.server_id, created.outputs.server_id);

  const updated = await json<{ status: string }>(['stack', 'update', name, '--param', `server_name=${name}-renamed`, '--wait', '--timeout', '10']);
  assert.equal(updated.status, 'UPDATE_COMPLETE');

  const dry = await run(['--dry-run', 'stack', 'delete', name]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok((await json<Array<{ name: string }>>(['stack', 'list'])).some((s) => s.name === name), 'a dry run deletes nothing');
  const deleted = await json<{ status: string }>(['stack', 'delete', name, '--wait', '--timeout', '10']);
  assert.equal(deleted.status, 'DELETE_COMPLETE');
  assert.ok(!(await json<Array<{ name: string }>>(['stack', 'list'])).some((s) => s.name === name));
  const gone = await run(['stack', 'show', name]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, new RegExp(`no stack "${name}"`));
});

test("Heat's reasons: a refused template, and one that fails at create time", { skip, timeout: 600_000 }, async () => {
  const refused = await run(['stack', 'create', `${name}-refused`, '--cloud', 'os', '--template', join(EXAMPLES, 'heat-server.yaml'), '--param', 'flavor=no-such-flavor']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused \(400\).*no-such-flavor/s);
  assert.ok(!(await json<Array<{ name: string }>>(['stack', 'list', '--cloud', 'os'])).some((s) => s.name === `${name}-refused`), 'nothing was made');

  const failed = await run(['--output', 'json', 'stack', 'create', `${name}-bad`, '--cloud', 'os', '--template', join(EXAMPLES, 'heat-bad-runtime.yaml'), '--wait', '--timeout', '10']);
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(JSON.parse(failed.stdout).status, 'CREATE_FAILED');
  assert.match(failed.stderr, /CREATE_FAILED: .+/);
  const missing = await run(['stack', 'create', 'x', '--cloud', 'os', '--template', join(home, 'nope.yaml')]);
  assert.match(missing.stderr, /cannot read template/);
});
