/**
 * @module providers/compute/openstack/servers
 * Nova servers: booting idempotently, looking servers up, actions. A boot carries cloudmesh's metadata
 * (`cm.name`, `cm.token`, `cm.group`); when its POST gets no clear answer (reset, timeout, 5xx, 429), the
 * server is looked up by name and token before the POST is sent again, so a retry never makes a second VM.
 */
import { CM_TAGS, type Vm, type VmSpec } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { closest } from '../../../core/suggest.ts';
import { httpCause, type OpenStackClient } from './client.ts';
import { exactNameFilter, toVm, vmState } from './map.ts';
import { resolveBootNetworks } from './network.ts';

type Json = Record<string, any>;

/** Pause between lookups for a server whose create may still be landing. */
const LOOKUP_PAUSE_MS = 1500;

/** Boot one server; the same `clientToken` returns the first server instead of making another. */
export async function bootServer(client: OpenStackClient, spec: VmSpec): Promise<Vm> {
  const existing = await findByToken(client, spec.name, spec.clientToken);
  if (existing) return existing;
  const [imageRef, flavorRef, networks] = await Promise.all([
    resolveImage(client, spec.image),
    resolveFlavor(client, spec.flavor),
    resolveBootNetworks(client, spec.network ?? client.settings.network),
  ]);
  const metadata: Record<string, string> = { ...spec.metadata, [CM_TAGS.name]: spec.name, [CM_TAGS.token]: spec.clientToken };
  if (spec.group) metadata[CM_TAGS.group] = spec.group;
  for (const [k, v] of Object.entries(metadata)) {
    if (k.length > 255 || v.length > 255) throw new UserError(`cloud "${client.settings.cloud}": metadata ${k.slice(0, 40)} is longer than Nova's 255 characters`);
  }
  const server: Json = { name: spec.name, imageRef, flavorRef, networks, metadata };
  if (spec.key) server['key_name'] = spec.key;
  if (spec.secgroups?.length) server['security_groups'] = spec.secgroups.map((name) => ({ name }));
  if (spec.userData) server['user_data'] = Buffer.from(spec.userData, 'utf8').toString('base64');

  for (let attempt = 0; ; attempt++) {
    try {
      const created = await client.request<Json>('compute', 'POST', '/servers', { body: { server } });
      const id = String(created?.['server']?.['id']);
      return (await getServer(client, id)) ?? { ...toVm({ id, name: spec.name, status: 'BUILD', metadata }) };
    } catch (error) {
      const cause = httpCause(error);
      // A refusal (4xx) did nothing: report it. Otherwise the server may exist: look before sending again.
      if (!cause || !(cause.uncertain || cause.status === 429)) throw error;
      // Nova may still be working on a request we stopped waiting for: look for as long as we waited for it.
      const lookFor = Math.min(30_000, Math.max(4000, client.settings.timeoutMs));
      const found = await findByToken(client, spec.name, spec.clientToken, lookFor);
      if (found) return found;
      if (attempt >= client.settings.retries) throw error;
    }
  }
}

/**
 * The live server this boot made, if any: servers named exactly `name` whose metadata carries `token`.
 * With `withinMs` it keeps looking that long, for a create that is still being recorded.
 */
export async function findByToken(client: OpenStackClient, name: string, token: string, withinMs = 0): Promise<Vm | null> {
  const deadline = Date.now() + withinMs;
  for (let i = 0; i === 0 || Date.now() < deadline; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, LOOKUP_PAUSE_MS));
    const servers = await client.listAll<Json>('compute', '/servers/detail', 'servers', { name: exactNameFilter(name) });
    const mine = servers.filter((s) => s['name'] === name && s['metadata']?.[CM_TAGS.token] === token && vmState(String(s['status'])) !== 'DELETED');
    if (mine.length > 0) return toVm(mine[0]!);
  }
  return null;
}

/** One server, or null when Nova no longer knows it. */
export async function getServer(client: OpenStackClient, id: string): Promise<Vm | null> {
  const body = await client.request<Json>('compute', 'GET', `/servers/${encodeURIComponent(id)}`, { allow404: true });
  return body?.['server'] ? toVm(body['server']) : null;
}

/**
 * A power action. Start and stop are made idempotent by outcome: when Nova refuses with 409 because the
 * server is already where it was asked to go (or on its way), that is success.
 */
export async function serverAction(client: OpenStackClient, id: string, action: 'start' | 'stop' | 'reboot'): Promise<void> {
  const body = action === 'start' ? { 'os-start': null } : action === 'stop' ? { 'os-stop': null } : { reboot: { type: 'SOFT' } };
  try {
    await client.request('compute', 'POST', `/servers/${encodeURIComponent(id)}/action`, { body, idempotent: action !== 'reboot' });
  } catch (error) {
    if (httpCause(error)?.status !== 409 || action === 'reboot') throw error;
    const vm = await getServer(client, id);
    const task = String(vm?.data['task_state'] ?? '');
    const there = action === 'start' ? vm?.state === 'ACTIVE' || task === 'powering-on' : vm?.state === 'STOPPED' || task === 'powering-off';
    if (!there) throw error;
  }
}

export async function deleteServer(client: OpenStackClient, id: string): Promise<void> {
  await client.request('compute', 'DELETE', `/servers/${encodeURIComponent(id)}`, { allow404: true });
}

export async function renameServer(client: OpenStackClient, id: string, name: string): Promise<void> {
  const path = `/servers/${encodeURIComponent(id)}`;
  const found = await client.request('compute', 'PUT', path, { body: { server: { name } }, allow404: true });
  if (found === null) throw new NotFoundError(`cloud "${client.settings.cloud}": no server ${id}`);
  await client.request('compute', 'PUT', `${path}/metadata/${encodeURIComponent(CM_TAGS.name)}`, { body: { meta: { [CM_TAGS.name]: name } } });
}

export async function consoleOutput(client: OpenStackClient, id: string): Promise<string> {
  const body = await client.request<Json>('compute', 'POST', `/servers/${encodeURIComponent(id)}/action`, {
    body: { 'os-getConsoleOutput': { length: 200 } },
    idempotent: true,
    allow404: true,
  });
  if (body === null) throw new NotFoundError(`cloud "${client.settings.cloud}": no server ${id}`);
  return String(body['output'] ?? '');
}

/** An image id from a name or id; unknown names list the close matches. */
export async function resolveImage(client: OpenStackClient, image: string): Promise<string> {
  const named = await client.listAll<Json>('image', '/images', 'images', { name: image });
  const usable = named.filter((i) => i['status'] === 'active').sort((a, b) => String(b['created_at']).localeCompare(String(a['created_at'])));
  if (usable[0]) return String(usable[0]['id']);
  if (/^[0-9a-f-]{32,36}$/i.test(image)) {
    const byId = await client.request<Json>('image', 'GET', `/images/${encodeURIComponent(image)}`, { allow404: true });
    if (byId?.['id']) return String(byId['id']);
  }
  const all = await client.listAll<Json>('image', '/images', 'images');
  throw notFound(client, 'image', image, all.map((i) => String(i['name'] ?? i['id'])));
}

/** A flavor id from a name or id; unknown names list the close matches. */
export async function resolveFlavor(client: OpenStackClient, flavor: string): Promise<string> {
  const all = await client.listAll<Json>('compute', '/flavors/detail', 'flavors');
  const found = all.find((f) => f['name'] === flavor) ?? all.find((f) => f['id'] === flavor);
  if (found) return String(found['id']);
  throw notFound(client, 'flavor', flavor, all.map((f) => String(f['name'])));
}

/** "no image named X; did you mean Y? (close: a, b, c)" from the names that do exist. */
export function notFound(client: OpenStackClient, what: string, name: string, names: string[]): NotFoundError {
  const best = closest(name, names);
  const near = names.filter((n) => n !== best && (n.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(n.toLowerCase()))).slice(0, 4);
  const suggestions = [...(best ? [best] : []), ...near];
  return new NotFoundError(`cloud "${client.settings.cloud}": no ${what} named "${name}"${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : ''}`, {
    hint: `${what}s there: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ` … (${names.length})` : ''}`,
  });
}
