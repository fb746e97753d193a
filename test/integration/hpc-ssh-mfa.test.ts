// Keyboard-interactive (MFA) login of the ssh transport. The test sshd (ssh-up.sh) allows keys only, so the
// server here is ssh2's own SSH server on 127.0.0.1 asking one "Verification code:" question, as a PAM
// MFA module does. What is checked is the client: one prompt for many concurrent commands over the pooled
// connection (never mid-batch), the answer never echoed, and a clear refusal when nobody can answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import type { PromptRequest } from '../../src/transport/ssh.ts';
import { createSshTransport } from '../../src/transport/ssh.ts';

describe('ssh transport: keyboard-interactive (MFA) login', () => {
  let dir: string;
  let port: number;
  let server: { close(): void; listen(port: number, host: string, cb: () => void): void; address(): AddressInfo };
  let logins = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cm-mfa-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
    // ssh2 is CommonJS: Node's named-export detection finds Client but not Server.
    const ssh2 = (await import('ssh2')) as unknown as { Server?: typeof import('ssh2').Server; default?: { Server: typeof import('ssh2').Server } };
    const Server = (ssh2.Server ?? ssh2.default?.Server)!;
    server = new Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
      client.on('authentication', (auth) => {
        if (auth.method !== 'keyboard-interactive') return auth.reject(['keyboard-interactive']);
        auth.prompt([{ prompt: 'Verification code: ', echo: false }], 'MFA', 'Enter the code from your token', (answers) => {
          if (answers[0] === '123456') {
            logins += 1;
            auth.accept();
          } else auth.reject();
        });
      });
      client.on('ready', () => {
        client.on('session', (accept) => {
          accept().on('exec', (acceptExec, _reject, info) => {
            const stream = acceptExec();
            stream.write(`ran: ${info.command}\n`);
            stream.exit(0);
            stream.end();
          });
        });
      });
      client.on('error', () => {});
    }) as unknown as typeof server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
    const pub = readFileSync(join(dir, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${pub}\n`);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('asks once for a batch of 20 commands from two transports, then reuses the connection', async () => {
    const asked: PromptRequest[] = [];
    const prompt = async (request: PromptRequest) => {
      asked.push(request);
      return ['123456'];
    };
    const options = { host: '127.0.0.1', port, user: 'alice', key: join(dir, 'host'), knownHosts: [join(dir, 'known_hosts')], prompt };
    const one = createSshTransport(options);
    const two = createSshTransport(options);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).exec(['echo', `n ${i}`])));
    assert.equal(results[3]?.stdout, "ran: echo 'n 3'\n");
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0], { target: 'alice@127.0.0.1:' + port, instructions: 'Enter the code from your token', prompts: [{ prompt: 'Verification code: ', echo: false }] });
    assert.equal(logins, 1);
    await one.close();
    await two.close();
  });

  test('without anyone to answer, the login is refused with advice', async () => {
    const transport = createSshTransport({ host: '127.0.0.1', port, user: 'alice', key: join(dir, 'host'), knownHosts: [join(dir, 'known_hosts')] });
    await assert.rejects(transport.exec(['true']), (error: Error) => error instanceof UserError && /asks for an interactive login .* nobody can answer here/.test(error.message));
    await transport.close();
  });

  test('a wrong code is a refused login', async () => {
    const transport = createSshTransport({ host: '127.0.0.1', port, user: 'alice', key: join(dir, 'host'), knownHosts: [join(dir, 'known_hosts')], prompt: async () => ['000000'] });
    await assert.rejects(transport.exec(['true']), /refused the login as alice/);
    await transport.close();
  });
});
