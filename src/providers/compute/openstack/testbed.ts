/**
 * @module providers/compute/openstack/testbed
 * For tests only: where the test OpenStack of ../shared/backends/openstack-up.sh is, whether it answers,
 * and a provider on it. Not imported by the provider itself.
 */
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudConfig } from '../../../core/config.ts';
import { createOpenStackProvider, type OpenStackProvider } from './index.ts';
import type { FaultProxy } from '../../../../test/support/fault-proxy.ts';

export const BACKENDS = process.env['CM_BACKENDS'] || '/tmp/cm-backends';
/** The admin openrc the backend script writes. */
export const ADMINRC = process.env['CM_OPENSTACK_OPENRC'] || join(BACKENDS, 'openstack', 'adminrc');
export const KEYSTONE = process.env['CM_OPENSTACK_AUTH_URL'] || 'http://127.0.0.1:5100/v3';
/** What the backend provides. */
export const FIXTURE = { image: 'tiny', flavor: 'm1.tiny', network: 'net1' } as const;

/** Why the real OpenStack cannot be tested here, or false when it can. */
export async function openStackDown(): Promise<false | string> {
  if (!existsSync(ADMINRC)) return `no ${ADMINRC} (start the test OpenStack: bash .ci/openstack.sh)`;
  try {
    const response = await fetch(KEYSTONE, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (!response.ok) return `Keystone at ${KEYSTONE} answered ${response.status}`;
  } catch (error) {
    return `Keystone at ${KEYSTONE} does not answer (${(error as Error).message}); start it with bash .ci/openstack.sh`;
  }
  // Keystone alone is not a cloud: a half-started OpenStack (a service that did not come up) is "down" too.
  // Probed without keep-alive: nova-api runs one worker here, which an idle kept-alive connection would hold.
  for (const [service, url] of [['Nova', 'http://127.0.0.1:8774/'], ['Glance', 'http://127.0.0.1:9292/'], ['Neutron', 'http://127.0.0.1:9696/'], ['Placement', 'http://127.0.0.1:8778/']] as const) {
    if (process.env['CM_OPENSTACK_AUTH_URL']) break; // another cloud: its endpoints come from its catalog
    if (!(await answersOnce(url))) return `the test OpenStack is only half up: ${service} (${url}) does not answer; start it with bash .ci/openstack.sh`;
  }
  return false;
}

/** A fresh cloudmesh home for a test. */
export function testHome(): string {
  return mkdtempSync(join(tmpdir(), 'cm-openstack-'));
}

/** A provider on the test OpenStack from its openrc, with `settings` merged in. */
export function testProvider(settings: Record<string, unknown> = {}, home = testHome(), cloud = 'devstack'): Promise<OpenStackProvider> {
  // keep_alive false: the test Nova has one API worker, which an idle kept-alive connection of one test
  // file would hold for 4 s while the files running beside it wait.
  const config: CloudConfig = { kind: 'openstack', settings: { openrc: ADMINRC, keep_alive: false, ...settings } };
  return createOpenStackProvider({ cloud, config, home, env: process.env });
}

/** The test OpenStack seen through fault proxies: one per service, Keystone's catalog rewritten to them. */
export interface ProxiedOpenStack {
  /** Keystone through its proxy: use as `auth_url`. */
  authUrl: string;
  keystone: FaultProxy;
  /** By service type (`compute`, `image`, `network` …). */
  services: Map<string, FaultProxy>;
  close(): Promise<void>;
}

/** Put a fault proxy in front of Keystone and of every service in its catalog. */
export async function proxiedOpenStack(): Promise<ProxiedOpenStack> {
  const { startFaultProxy } = await import('../../../../test/support/fault-proxy.ts');
  const { parseOpenrc } = await import('./sources.ts');
  const { authBody, parseToken } = await import('./keystone.ts');
  const { readFileSync } = await import('node:fs');
  const auth = parseOpenrc(readFileSync(ADMINRC, 'utf8')).entry.auth as Record<string, string>;
  const answer = await fetch(`${KEYSTONE}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(authBody({ authUrl: KEYSTONE, type: 'password', username: auth['username'], userDomainName: 'Default', projectName: auth['project_name'], projectDomainName: 'Default' }, auth['password']!)),
  });
  const token = parseToken(answer.headers.get('x-subject-token'), await answer.json());
  const keystoneOrigin = new URL(KEYSTONE).origin;
  const services = new Map<string, FaultProxy>();
  const byOrigin = new Map<string, FaultProxy>();
  for (const endpoint of token.catalog) {
    const origin = new URL(endpoint.url).origin;
    if (origin === keystoneOrigin) continue;
    if (!byOrigin.has(origin)) byOrigin.set(origin, await startFaultProxy({ target: origin }));
    services.set(endpoint.type, byOrigin.get(origin)!);
  }
  let keystone: FaultProxy | undefined = undefined;
  const rewrite = (body: string) => {
    let text = body;
    for (const [origin, proxy] of byOrigin) text = text.split(origin).join(proxy.origin);
    return keystone ? text.split(keystoneOrigin).join(keystone.origin) : text;
  };
  keystone = await startFaultProxy({ target: keystoneOrigin, rewrite });
  return {
    authUrl: `${keystone.origin}/v3`,
    keystone,
    services,
    async close() {
      await keystone.close();
      for (const proxy of byOrigin.values()) await proxy.close();
    },
  };
}

/** True when `url` answers an HTTP request (any status) on a connection of its own within 30 s. */
async function answersOnce(url: string): Promise<boolean> {
  const { get } = await import('node:http');
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 30_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
