/**
 * @module services/groups
 * Named groups of things (VMs by default; containers, jobs …), one row per member. `vm boot` puts each VM
 * in its group; `vm delete` takes it out of every group. Deleting a group removes only the grouping: its
 * VMs are left alone unless the caller deletes them explicitly (`group delete G --vms`).
 */
import type { Context } from '../core/command.ts';
import type { GroupRow } from '../core/collections.ts';
import type { Store } from '../core/store.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { checkKey } from './defaults.ts';

/** Group names are typed back on command lines: same rules as default keys. */
export function checkGroupName(name: string): string {
  return checkKey(name, 'group');
}

/** Add members to a group (already there is fine). `store` may be a transaction's store. */
export async function addToGroup(ctx: Context, group: string, members: readonly string[], kind = 'vm', store?: Store): Promise<GroupRow[]> {
  checkGroupName(group);
  const seenAt = ctx.now().toISOString();
  const rows = members.map((member): GroupRow => ({ name: group, member_kind: kind, member, source: ctx.face, seen_at: seenAt }));
  await (store ?? (await ctx.store())).collection('groups').putMany(rows);
  return rows;
}

/** Remove members from one group; a member not in it is reported, not an error. */
export async function removeFromGroup(ctx: Context, group: string, members: readonly string[], kind = 'vm'): Promise<{ group: string; member: string; removed: boolean }[]> {
  const groups = (await ctx.store()).collection('groups');
  if ((await groups.count({ name: group })) === 0) throw await noGroup(ctx, group);
  const results = [];
  for (const member of members) {
    const removed = ctx.dryRun ? (await groups.count({ name: group, member_kind: kind, member })) > 0 : (await groups.delete({ name: group, member_kind: kind, member })) > 0;
    results.push({ group, member, removed });
  }
  return results;
}

/** Take members out of every group (after they were deleted). */
export async function forgetMembers(store: Store, members: readonly string[], kind = 'vm'): Promise<number> {
  if (members.length === 0) return 0;
  return store.collection('groups').delete({ member_kind: kind, member: members });
}

/** One line per group: its name, member count and members. */
export interface GroupSummary {
  group: string;
  kind: string;
  count: number;
  members: string;
}

export async function listGroups(ctx: Context, name?: string): Promise<GroupSummary[]> {
  const rows = await (await ctx.store()).collection('groups').list({
    ...(name ? { where: { name } } : {}),
    orderBy: [{ column: 'name' }, { column: 'member_kind' }, { column: 'member' }],
  });
  if (name && rows.length === 0) throw await noGroup(ctx, name);
  const byGroup = new Map<string, GroupRow[]>();
  for (const row of rows) {
    const key = `${row.name}\u0000${row.member_kind}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), row]);
  }
  return [...byGroup.values()].map((members) => ({
    group: members[0]!.name,
    kind: members[0]!.member_kind,
    count: members.length,
    members: members.map((m) => m.member).join(' '),
  }));
}

/** Members of a group of one kind. */
export async function groupMembers(ctx: Context, group: string, kind = 'vm'): Promise<string[]> {
  const rows = await (await ctx.store()).collection('groups').list({ where: { name: group, member_kind: kind } });
  return rows.map((r) => r.member);
}

/** Delete a group (its membership rows); the members themselves stay. */
export async function deleteGroup(ctx: Context, group: string): Promise<{ group: string; members: number; deleted: boolean }> {
  const groups = (await ctx.store()).collection('groups');
  const members = await groups.count({ name: group });
  if (members === 0) throw await noGroup(ctx, group);
  if (ctx.dryRun) return { group, members, deleted: false };
  await groups.delete({ name: group });
  return { group, members, deleted: true };
}

async function noGroup(ctx: Context, group: string): Promise<UserError> {
  const names = new Set((await (await ctx.store()).collection('groups').list()).map((r) => r.name));
  return new NotFoundError(`no group named "${group}"${didYouMean(group, names)}`, { hint: names.size ? `groups: ${[...names].join(', ')}` : 'add one with cm group add NAMES --group G' });
}
