/**
 * A boot interrupted after the cloud acted but before its answer arrived must not make a second VM when the
 * user runs the same `vm boot --name X` again: the first run recorded the name with its client token
 * before asking the cloud, and the second run sends the same token, so EC2 (moto) hands back the first
 * instance. A loopback proxy in front of moto holds back the RunInstances answer; `cm` is killed (SIGKILL)
 * while it waits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { CM, cm, eventually } from '../helpers.ts';
import { cloudHome, MOTO, motoDown } from './vm-fixture.ts';

const skip = await motoDown();
const user = `i${randomBytes(3).toString('hex')}`;

/** Forwards to moto; the first RunInstances is passed on but its answer is never sent back. */
function holdingProxy() {
  const state = { held: 0, runInstances: 0 };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const isRun = body.toString('utf8').includes('Action=RunInstances');
    if (isRun) state.runInstances++;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const answer = await fetch(`${MOTO}${req.url}`, { method: req.method!, headers, ...(body.length ? { body } : {}) });
    const text = Buffer.from(await answer.arrayBuffer());
    if (isRun && state.held === 0) {
      state.held++;
      return; // moto made the instance; the client never hears of it
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(text);
  });
  return { server, state };
}

let proxy: ReturnType<typeof holdingProxy>;
let port = 0;

before(async () => {
  if (skip) return;
  proxy = holdingProxy();
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  port = (proxy.server.address() as { port: number }).port;
});
after(async () => {
  proxy?.server.closeAllConnections();
  await new Promise((resolve) => proxy?.server.close(resolve));
});

test('vm boot --name X killed while the cloud\'s answer is lost, then run again: one instance, the same one', { skip, timeout: 300_000 }, async () => {
  const via = `  moto:\n    kind: aws\n    settings:\n      region: us-east-1\n      endpoint: http://127.0.0.1:${port}\n      timeout: 120\n    default:\n      image: ami-03cf127a\n      flavor: t2.micro\n`;
  const { home, env } = cloudHome([], via, user);
  const name = `${user}-once`;
  const child = spawn(process.execPath, [CM, 'vm', 'boot', '--name', name], { env: { ...process.env, ...env, CLOUDMESH_HOME: home }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await eventually(async () => (proxy.state.held === 1 ? true : undefined), 120_000, 'RunInstances to reach moto');
  child.kill('SIGKILL');
  await exited;

  const run = async (args: string[]) => {
    const result = await cm(home, ['--output', 'json', ...args], { env, timeoutMs: 200_000 });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { name: string; id: string; status: string; error?: string }[];
  };
  const [pending] = await run(['vm', 'list', name]);
  assert.equal(pending!.status, 'BOOTING', 'the first run recorded the boot before asking the cloud');

  const [again] = await run(['vm', 'boot', '--name', name]);
  assert.equal(again!.error, undefined);
  assert.match(again!.id, /^i-/);
  // Same token: the provider found the first run's instance by it and did not send a second RunInstances.
  assert.equal(proxy.state.runInstances, 1, 'no second RunInstances');

  // The cloud's own listing: exactly one instance carries the name, and it is the one the second run got.
  await run(['vm', 'refresh', '--cloud', 'moto']);
  const listed = (await run(['vm', 'list', `${name}*`])).filter((r) => r.status !== 'DELETED');
  assert.deepEqual(listed.map((r) => [r.name, r.id]), [[name, again!.id]]);
  await run(['vm', 'delete', name]);
});
