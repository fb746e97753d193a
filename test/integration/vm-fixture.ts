/**
 * Shared set-up of the VM command tests: which real backends answer here (Docker Engine, moto's EC2, the
 * test OpenStack, the test sshd), and a cloudmesh home whose cloudmesh.yaml registers them. A backend that
 * does not answer gives the reason its tests are skipped with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tempHome } from '../helpers.ts';

export const BACKENDS = process.env.CM_BACKENDS || '/tmp/cm-backends';
export const DOCKER_IMAGE = 'cm/busybox:local';
export const DOCKER_NETWORK = 'cm-test-net';
export const MOTO = 'http://127.0.0.1:5000';
export const KEYSTONE = 'http://127.0.0.1:5100/v3';
export const OPENRC = join(BACKENDS, 'openstack', 'adminrc');
export const SSHD = { host: '127.0.0.1', port: 2222, user: 'hpcuser', identity: join(BACKENDS, 'sshd', 'client_ed25519') };

/** Why the Docker Engine cannot be used, or false. Makes the test network if it is missing. */
export function dockerDown(): false | string {
  if (!existsSync('/var/run/docker.sock')) return 'no Docker socket at /var/run/docker.sock (run .ci/docker.sh)';
  try {
    execFileSync('docker', ['image', 'inspect', DOCKER_IMAGE], { stdio: 'ignore', timeout: 20_000 });
    try {
      execFileSync('docker', ['network', 'inspect', DOCKER_NETWORK], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      execFileSync('docker', ['network', 'create', DOCKER_NETWORK], { stdio: 'ignore', timeout: 20_000 });
    }
  } catch {
    return `the Docker Engine does not answer or has no ${DOCKER_IMAGE} (run .ci/docker.sh)`;
  }
  return false;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function motoDown(): Promise<false | string> {
  return (await answers(`${MOTO}/moto-api/`)) ? false : `moto does not answer at ${MOTO} (run .ci/moto.sh)`;
}

export async function openStackDown(): Promise<false | string> {
  if (!existsSync(OPENRC)) return `no ${OPENRC} (start the test OpenStack: bash .ci/openstack.sh)`;
  return (await answers(KEYSTONE)) ? false : `Keystone does not answer at ${KEYSTONE} (bash .ci/openstack.sh)`;
}

export function sshdDown(): false | string {
  return existsSync(SSHD.identity) && existsSync(join(BACKENDS, 'sshd', 'sshd.pid')) ? false : `no test sshd on ${SSHD.port} (run ../shared/backends/ssh-up.sh)`;
}

/** The cloudmesh.yaml entry of each test cloud. */
export const CLOUDS = {
  dock: `  dock:\n    kind: docker\n    settings:\n      network: ${DOCKER_NETWORK}\n    default:\n      image: "${DOCKER_IMAGE}"\n      flavor: tiny\n`,
  moto: `  moto:\n    kind: aws\n    settings:\n      region: us-east-1\n      endpoint: ${MOTO}\n    default:\n      image: ami-03cf127a\n      flavor: t2.micro\n`,
  // A generous deadline: the shared test OpenStack answers slowly while it builds many servers.
  os: `  os:\n    kind: openstack\n    settings:\n      openrc: ${OPENRC}\n      deadline: 300\n    default:\n      image: tiny\n      flavor: m1.tiny\n      network: net1\n`,
} as const;

/**
 * A fresh home registering `clouds` (plus any raw YAML entries), with a HOME holding an AWS profile for
 * moto (any keys work there). Returns the env every `cm` call of the test needs.
 */
export function cloudHome(clouds: (keyof typeof CLOUDS)[], extra = '', user = `t${process.pid}`): { home: string; env: Record<string, string> } {
  const home = tempHome('cm-vm-');
  const userHome = join(home, 'user');
  mkdirSync(join(userHome, '.aws'), { recursive: true });
  writeFileSync(join(userHome, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIDCMTEST\naws_secret_access_key = cm-test-secret-value\n', { mode: 0o600 });
  const yaml = `version: 1\nprofile:\n  user: ${user}\nclouds:\n${clouds.map((c) => CLOUDS[c]).join('')}${extra}`;
  writeFileSync(join(home, 'cloudmesh.yaml'), yaml, { mode: 0o600 });
  return { home, env: { HOME: userHome } };
}

/** A TCP server that accepts connections and never answers: a cloud that hangs. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The cloudmesh names (`cm.name` labels) of the containers docker has, running or not, starting with `prefix`. */
export function dockerNames(prefix: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', 'label=cm.name', '--format', '{{.Label "cm.name"}}'], { encoding: 'utf8', timeout: 30_000 });
  return out.split('\n').filter((n) => n !== '' && n.startsWith(prefix)).sort();
}
