// `cm comet …` end to end against the loopback nucleus server (test/support/comet-nucleus.ts): SDSC Comet
// itself cannot be reached from here, so this shows the client speaks the documented API — signed API-key
// requests, the async 201/Location protocol, 303 consoles, {error} replies — not that Comet is up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, tempHome } from '../helpers.ts';
import { NUCLEUS, startNucleus } from '../support/comet-nucleus.ts';

let nucleus: Awaited<ReturnType<typeof startNucleus>>;
let home: string;
before(async () => {
  nucleus = await startNucleus();
  home = tempHome();
});
after(() => nucleus.close());

test('comet init fetches an API key with password+OTP and keeps the secret out of the YAML and the output', async () => {
  const bad = await cm(home, ['comet', 'init', '--url', nucleus.baseUrl, '--username', 'ada'], { env: { COMET_PASSWORD: 'pw000000' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Comet refused the key request: 401/);
  const result = await cm(home, ['comet', 'init', '--url', nucleus.baseUrl, '--username', 'ada'], { env: { COMET_PASSWORD: NUCLEUS.password + NUCLEUS.otp } });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout + result.stderr, new RegExp(NUCLEUS.apiSecret));
  const yaml = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
  assert.doesNotMatch(yaml, new RegExp(NUCLEUS.apiSecret));
  assert.match(yaml, /api_secret: file:/);
  const secretFile = join(home, 'comet-production.secret');
  assert.equal(readFileSync(secretFile, 'utf8'), NUCLEUS.apiSecret);
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  const audit = await cm(home, ['audit', 'list', '--output', 'json']);
  assert.equal(audit.code, 0, audit.stderr);
  assert.match(audit.stdout, /comet init/);
  assert.doesNotMatch(audit.stdout, new RegExp(NUCLEUS.password + NUCLEUS.otp));
});

test('comet ll, cluster and node info read the VC with signed requests', async () => {
  const [vc] = await cmJson<Array<{ name: string; nodes: string; count: number; allocations: string }>>(home, ['comet', 'll']);
  assert.deepEqual([vc?.name, vc?.nodes, vc?.count], ['vc2', 'vm-vc2-[0-3]', 4]);
  const nodes = await cmJson<Array<{ name: string; kind: string; mac: string }>>(home, ['comet', 'cluster', 'vc2']);
  assert.equal(nodes.length, 5);
  assert.equal(nodes[0]?.kind, 'frontend');
  assert.equal(nodes[0]?.mac, 'aa:bb:cc:dd:ee:01 aa:bb:cc:dd:ee:00', 'the public MAC comes first');
  const info = await cmJson<{ pub_ip: string }>(home, ['comet', 'node', 'info', 'vc2']);
  assert.equal(info.pub_ip, '198.51.100.7');
  assert.ok(nucleus.requests.filter((r) => r.path.startsWith('cluster')).every((r) => r.auth === 'apikey'));
  const missing = await cm(home, ['comet', 'cluster', 'vc9']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cluster vc9 not found/);
});

test('comet start, computeset, power, console and terminate drive a computeset', async () => {
  const several = await cm(home, ['comet', 'start', 'vc2', '--count', '2']);
  assert.equal(several.code, 1);
  assert.match(several.stderr, /several allocations/);
  const set = await cmJson<{ id: string; state: string; nodes: string; walltime_mins: number }>(home, ['comet', 'start', 'vc2', 'vm-vc2-[0-1]', '--walltime', '2h', '--allocation', 'abc123']);
  assert.deepEqual([set.id, set.state, set.nodes, set.walltime_mins], ['100', 'running', 'vm-vc2-[0-1]', 120]);
  const posted = nucleus.requests.find((r) => r.method === 'POST' && r.path === 'computeset/');
  assert.deepEqual(posted?.body, { cluster: 'vc2', walltime_mins: 120, allocation: 'abc123', computes: 'vm-vc2-[0-1]' });
  const clash = await cm(home, ['comet', 'start', 'vc2', 'vm-vc2-1', '--allocation', 'abc123']);
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /already in an active computeset: vm-vc2-1/);

  const [listed] = await cmJson<Array<{ id: string; allocation: string; remaining: string }>>(home, ['comet', 'computeset']);
  assert.equal(listed?.id, '100');
  assert.match(listed?.remaining ?? '', /^000-0[12]:\d\d$/);
  const nodes = await cmJson<Array<{ name: string; computeset: string | null; allocation: string | null }>>(home, ['comet', 'cluster', 'vc2']);
  assert.deepEqual(nodes.find((n) => n.name === 'vm-vc2-0'), { ...nodes.find((n) => n.name === 'vm-vc2-0'), computeset: '100', allocation: 'abc123' });

  await cmJson(home, ['comet', 'power', 'reboot', 'vc2', 'vm-vc2-[0-1]']);
  assert.deepEqual(nucleus.power.slice(-2), ['vm-vc2-0:reboot', 'vm-vc2-1:reboot']);
  const idle = await cm(home, ['comet', 'power', 'reboot', 'vc2', 'vm-vc2-3']);
  assert.match(idle.stderr, /not in an active computeset: vm-vc2-3/);
  const onSet = await cm(home, ['comet', 'power', 'on', 'vc2', '100']);
  assert.match(onSet.stderr, /use cm comet start/);
  const before = nucleus.power.length;
  const dry = await cm(home, ['--dry-run', 'comet', 'power', 'off', 'vc2']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(nucleus.power.length, before, 'a dry run sends nothing');
  await cmJson(home, ['comet', 'power', 'on', 'vc2']);
  assert.equal(nucleus.power.at(-1), 'frontend:poweron');

  const { url } = await cmJson<{ url: string }>(home, ['comet', 'console', 'vc2', 'vm-vc2-0']);
  assert.equal(url, 'https://console.example/vnc/vm-vc2-0?token=abc');

  await cmJson(home, ['comet', 'terminate', '100']);
  assert.equal(nucleus.sets[0]?.state, 'completed');
});

test('comet iso list, upload (with md5), attach by number and detach; node rename', async () => {
  const isos = await cmJson<Array<{ index: number; name: string }>>(home, ['comet', 'iso', 'list']);
  assert.equal(isos[1]?.name, 'public/ubuntu-16.04.2-server-amd64.iso');
  const file = join(home, 'mini.iso');
  writeFileSync(file, Buffer.from('ISO9660 test image \u0000\u0001\u00ff'));
  const uploaded = await cmJson<{ name: string }>(home, ['comet', 'iso', 'upload', file]);
  assert.equal(uploaded.name, 'mini.iso');
  assert.ok(nucleus.images.includes('public/mini.iso'));
  await cmJson(home, ['comet', 'iso', 'attach', '2', 'vc2']);
  assert.equal(nucleus.power.at(-1), 'frontend:iso:public/ubuntu-16.04.2-server-amd64.iso');
  await cmJson(home, ['comet', 'iso', 'detach', 'vc2', 'vm-vc2-[2-3]']);
  assert.deepEqual(nucleus.power.slice(-2), ['vm-vc2-2:iso:', 'vm-vc2-3:iso:']);
  const renamed = await cmJson<Array<{ old: string; new: string }>>(home, ['comet', 'node', 'rename', 'vc2', 'vm-vc2-[2-3]', 'worker-[1-2]']);
  assert.deepEqual(renamed, [{ old: 'vm-vc2-2', new: 'worker-1' }, { old: 'vm-vc2-3', new: 'worker-2' }]);
  assert.deepEqual(nucleus.computes.map((c) => c.name), ['vm-vc2-0', 'vm-vc2-1', 'worker-1', 'worker-2']);
  const uneven = await cm(home, ['comet', 'node', 'rename', 'vc2', 'vm-vc2-[0-1]', 'x-1']);
  assert.match(uneven.stderr, /2 old names but 1 new ones/);
});

test('a wrong API secret and an unreachable endpoint are each one clear line, exit 1', async () => {
  writeFileSync(join(home, 'comet-production.secret'), 'wrong-secret', { mode: 0o600 });
  const wrong = await cm(home, ['comet', 'll']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Comet refused GET cluster\/: 401/);
  assert.doesNotMatch(wrong.stderr, /wrong-secret|at .*\.ts:\d+/);
  const other = tempHome();
  writeFileSync(join(other, 'cloudmesh.yaml'), 'version: 1\ncomet:\n  active: dev\n  endpoints:\n    dev:\n      nucleus_base_url: http://127.0.0.1:49999/nucleus\n      api_key: k\n      api_secret: env:CM_TEST_COMET_SECRET\n', { mode: 0o600 });
  const down = await cm(other, ['comet', 'll'], { env: { CM_TEST_COMET_SECRET: 'a-longer-test-secret' } });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /Comet nucleus service down or unreachable at http:\/\/127\.0\.0\.1:49999/);
});
