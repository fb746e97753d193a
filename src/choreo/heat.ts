/**
 * @module choreo/heat
 * OpenStack Heat stacks through the OpenStack client of the compute provider (same token, catalog and
 * retry policy): the Orchestration endpoint comes from the catalog (type `orchestration`). A create is not
 * idempotent, so after an uncertain failure it looks the stack up by name before anyone tries again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../core/command.ts';
import { BackendError, NotFoundError, UserError } from '../core/errors.ts';
import type { OpenStackClient } from '../providers/compute/openstack/index.ts';

export interface StackRow {
  cloud: string;
  name: string;
  id: string;
  status: string;
  reason: string | null;
  created_at: string | null;
  updated_at: string | null;
  outputs?: Record<string, unknown>;
}

type Json = Record<string, any>;

/** The OpenStack client of `cloud`; Heat exists only on OpenStack clouds. */
export async function heatClient(ctx: Context, cloud: string): Promise<OpenStackClient> {
  const provider = (await ctx.compute(cloud)) as { kind: string; client?: OpenStackClient };
  if (provider.kind !== 'openstack' || !provider.client) throw new UserError(`cloud "${cloud}" is a ${provider.kind} cloud; stacks need OpenStack Heat`);
  return provider.client;
}

function toRow(cloud: string, stack: Json): StackRow {
  return {
    cloud,
    name: stack.stack_name,
    id: stack.id,
    status: stack.stack_status,
    reason: stack.stack_status_reason ?? null,
    created_at: stack.creation_time ?? null,
    updated_at: stack.updated_time ?? null,
  };
}

export async function listStacks(client: OpenStackClient, cloud: string): Promise<StackRow[]> {
  const body = await client.request<{ stacks: Json[] }>('orchestration', 'GET', '/stacks');
  // Heat may still list a stack as DELETE_COMPLETE for a moment after it is gone: it is not there for the user.
  return (body?.stacks ?? []).map((s) => toRow(cloud, s)).filter((s) => s.status !== 'DELETE_COMPLETE').sort((a, b) => a.name.localeCompare(b.name));
}

/** The live stack named `name` (deleted ones excluded), or `undefined`. */
export async function findStack(client: OpenStackClient, cloud: string, name: string): Promise<StackRow | undefined> {
  const body = await client.request<{ stacks: Json[] }>('orchestration', 'GET', '/stacks', { query: { stack_name: name } });
  return (body?.stacks ?? []).map((s) => toRow(cloud, s)).find((s) => s.name === name && s.status !== 'DELETE_COMPLETE');
}

async function requireStack(client: OpenStackClient, cloud: string, name: string): Promise<StackRow> {
  const stack = await findStack(client, cloud, name);
  if (!stack) {
    const { didYouMean } = await import('../core/suggest.ts');
    throw new NotFoundError(`cloud "${cloud}" has no stack "${name}"${didYouMean(name, (await listStacks(client, cloud)).map((s) => s.name))}`);
  }
  return stack;
}

/** One stack by id (also after deletion, when Heat answers DELETE_COMPLETE), with its outputs when complete. */
export async function showStack(client: OpenStackClient, cloud: string, name: string, id?: string): Promise<StackRow> {
  const stackId = id ?? (await requireStack(client, cloud, name)).id;
  const body = await client.request<{ stack: Json }>('orchestration', 'GET', `/stacks/${encodeURIComponent(name)}/${stackId}`);
  const stack = body!.stack;
  const row = toRow(cloud, stack);
  if (Array.isArray(stack.outputs)) row.outputs = Object.fromEntries(stack.outputs.map((o: Json) => [o.output_key, o.output_value ?? o.output_error ?? null]));
  return row;
}

export interface CreateRequest { name: string; template: string; parameters: Record<string, string>; timeoutMins?: number }

export async function createStack(client: OpenStackClient, cloud: string, request: CreateRequest): Promise<StackRow> {
  if (await findStack(client, cloud, request.name)) throw new UserError(`cloud "${cloud}" already has a stack "${request.name}"`, { hint: 'cm stack update, or cm stack delete first' });
  const body = { stack_name: request.name, template: request.template, parameters: request.parameters, timeout_mins: request.timeoutMins ?? 60, disable_rollback: true };
  try {
    const created = await client.request<{ stack: Json }>('orchestration', 'POST', '/stacks', { body });
    return { ...(await showStack(client, cloud, request.name, created!.stack.id)) };
  } catch (error) {
    // No answer to the POST: the stack may exist anyway. Say so plainly rather than let a retry make a second.
    const existing = error instanceof BackendError ? await findStack(client, cloud, request.name).catch(() => undefined) : undefined;
    if (existing) return existing;
    throw error;
  }
}

export async function updateStack(client: OpenStackClient, cloud: string, name: string, changes: { template?: string; parameters: Record<string, string> }): Promise<StackRow> {
  const stack = await requireStack(client, cloud, name);
  // PATCH keeps the current template and the parameters not given (Heat's "existing" update).
  await client.request('orchestration', 'PATCH', `/stacks/${encodeURIComponent(name)}/${stack.id}`, { body: { parameters: changes.parameters, ...(changes.template ? { template: changes.template } : {}) } });
  return showStack(client, cloud, name, stack.id);
}

export async function deleteStack(client: OpenStackClient, cloud: string, name: string): Promise<StackRow> {
  const stack = await requireStack(client, cloud, name);
  await client.request('orchestration', 'DELETE', `/stacks/${encodeURIComponent(name)}/${stack.id}`);
  return showStack(client, cloud, name, stack.id);
}

/** Poll until the stack is no longer `*_IN_PROGRESS`; its final row (with outputs). */
export async function waitStack(client: OpenStackClient, cloud: string, name: string, id: string, timeoutMs: number, signal?: AbortSignal): Promise<StackRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await showStack(client, cloud, name, id);
    if (!row.status.endsWith('_IN_PROGRESS')) return row;
    if (Date.now() > deadline) throw new BackendError('heat', 'wait', undefined, `stack "${name}" is still ${row.status} after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(2000, undefined, signal ? { signal } : undefined);
  }
}
