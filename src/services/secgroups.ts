/**
 * @module services/secgroups
 * Security groups are defined once, locally (rows with cloud `local`), as named ingress rules, and then
 * uploaded to each cloud, where the provider makes the cloud's group hold exactly those rules. The plan
 * of an upload (rules to add and to remove on each cloud) is computed here, so `--dry-run` shows it.
 */
import { isIP } from 'node:net';
import type { Context } from '../core/command.ts';
import type { SecgroupRow } from '../core/collections.ts';
import type { SecurityGroup, SecurityRule } from '../core/compute.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { checkKey } from './defaults.ts';
import { LOCAL } from './keys.ts';
import { callCloud } from './vm-call.ts';
import { errorText } from './vm-parallel.ts';

/** A locally defined rule: a SecurityRule with the name the user gave it. */
export interface NamedRule extends SecurityRule {
  name: string;
}

const PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;

/** Check and build one rule from what the user typed. */
export function makeRule(name: string, from: string | number, to: string | number, protocol: string, cidr: string): NamedRule {
  checkKey(name, 'rule');
  const proto = protocol.toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(proto)) throw new UserError(`protocol must be one of ${PROTOCOLS.join(', ')}; got "${protocol}"`);
  const port = (value: string | number, which: string) => {
    const n = Number(value);
    // ICMP has no ports; -1 (any) is how OpenStack and EC2 both say so.
    const min = proto === 'icmp' ? -1 : 1;
    if (!Number.isInteger(n) || n < min || n > 65535) throw new UserError(`${which} port must be a whole number from ${min} to 65535; got "${value}"`);
    return n;
  };
  const fromPort = port(from, 'FROM');
  const toPort = port(to, 'TO');
  if (toPort < fromPort) throw new UserError(`port range ${fromPort}-${toPort} runs backwards`);
  const [address, bits, extra] = cidr.split('/');
  const family = isIP(address ?? '');
  const maxBits = family === 6 ? 128 : 32;
  if (!family || extra !== undefined || bits === undefined || !/^\d+$/.test(bits) || Number(bits) > maxBits) throw new UserError(`"${cidr}" is not a CIDR such as 0.0.0.0/0 or 10.0.0.0/24`);
  return { name, protocol: proto as SecurityRule['protocol'], fromPort, toPort, cidr };
}

/** The identity of a rule on a cloud (names are local only). */
export function ruleKey(rule: SecurityRule): string {
  return `${rule.protocol}:${rule.fromPort}-${rule.toPort}:${rule.cidr}`;
}

/** Pure: what must change on a cloud so its rules equal the wanted ones. */
export function ruleDiff(wanted: readonly SecurityRule[], current: readonly SecurityRule[]): { add: SecurityRule[]; remove: SecurityRule[]; keep: SecurityRule[] } {
  const have = new Map(current.map((r) => [ruleKey(r), r]));
  const want = new Map(wanted.map((r) => [ruleKey(r), r]));
  return {
    add: [...want].filter(([k]) => !have.has(k)).map(([, r]) => r),
    remove: [...have].filter(([k]) => !want.has(k)).map(([, r]) => r),
    keep: [...want].filter(([k]) => have.has(k)).map(([, r]) => r),
  };
}

function rulesOf(row: SecgroupRow | undefined): NamedRule[] {
  const rules = row?.rules.rules;
  return Array.isArray(rules) ? (rules as NamedRule[]) : [];
}

async function localGroup(ctx: Context, group: string): Promise<SecgroupRow> {
  const collection = (await ctx.store()).collection('secgroups');
  const row = await collection.get({ cloud: LOCAL, name: group });
  if (row) return row;
  const names = (await collection.list({ where: { cloud: LOCAL } })).map((r) => r.name);
  throw new NotFoundError(`no security group "${group}" is defined locally${didYouMean(group, names)}`, { hint: 'define one with cm secgroup add GROUP RULE FROM TO PROTOCOL CIDR' });
}

/** Add (or change) a rule of a local group, creating the group. */
export async function addRule(ctx: Context, group: string, rule: NamedRule): Promise<NamedRule[]> {
  checkKey(group, 'security group');
  const collection = (await ctx.store()).collection('secgroups');
  const rules = rulesOf(await collection.get({ cloud: LOCAL, name: group })).filter((r) => r.name !== rule.name);
  const next = [...rules, rule];
  if (!ctx.dryRun) await collection.put({ cloud: LOCAL, name: group, rules: { rules: next }, source: ctx.face, seen_at: ctx.now().toISOString() });
  return next;
}

/** One row per rule, for `secgroup list`. */
export interface RuleRow {
  cloud: string;
  group: string;
  rule: string;
  protocol: string;
  from: number;
  to: number;
  cidr: string;
}

/** Local rules (of one group), or with a cloud the groups that cloud has now (cached as its rows). */
export async function listRules(ctx: Context, options: { group?: string; cloud?: string } = {}): Promise<RuleRow[]> {
  const collection = (await ctx.store()).collection('secgroups');
  let groups: { cloud: string; name: string; rules: NamedRule[] }[];
  if (!options.cloud || options.cloud === LOCAL) {
    if (options.group) await localGroup(ctx, options.group);
    const rows = await collection.list({ where: { cloud: LOCAL, ...(options.group ? { name: options.group } : {}) }, orderBy: [{ column: 'name' }] });
    groups = rows.map((r) => ({ cloud: LOCAL, name: r.name, rules: rulesOf(r) }));
  } else {
    const cloud = options.cloud;
    const live = await cloudGroups(ctx, cloud);
    const seenAt = ctx.now().toISOString();
    await collection.replace({ cloud }, live.map((g) => ({ cloud, name: g.name, rules: { rules: g.rules, id: g.id }, source: cloud, seen_at: seenAt })));
    groups = live.filter((g) => !options.group || g.name === options.group).map((g) => ({ cloud, name: g.name, rules: g.rules.map((r) => ({ ...r, name: '' })) }));
  }
  return groups.flatMap((g) =>
    g.rules.length === 0
      ? [{ cloud: g.cloud, group: g.name, rule: '', protocol: '', from: 0, to: 0, cidr: '' }]
      : g.rules.map((r) => ({ cloud: g.cloud, group: g.name, rule: r.name, protocol: r.protocol, from: r.fromPort, to: r.toPort, cidr: r.cidr })),
  );
}

async function cloudGroups(ctx: Context, cloud: string): Promise<SecurityGroup[]> {
  return callCloud(ctx, cloud, 'list security groups', (provider) => provider.listSecgroups());
}

/** Delete a rule of a local group, the whole local group, or (with a cloud) the group on that cloud. */
export async function deleteSecgroup(ctx: Context, group: string, rule?: string, cloud?: string): Promise<{ cloud: string; group: string; rule: string; deleted: boolean }> {
  const collection = (await ctx.store()).collection('secgroups');
  if (cloud && cloud !== LOCAL) {
    if (rule) throw new UserError('rules are deleted locally and then uploaded: cm secgroup delete GROUP RULE; cm secgroup upload GROUP --cloud C');
    if (!ctx.dryRun) {
      await callCloud(ctx, cloud, `delete security group ${group}`, (provider) => provider.deleteSecgroup(group));
      await collection.delete({ cloud, name: group });
    }
    return { cloud, group, rule: '', deleted: !ctx.dryRun };
  }
  const row = await localGroup(ctx, group);
  if (!rule) {
    if (!ctx.dryRun) await collection.delete({ cloud: LOCAL, name: group });
    return { cloud: LOCAL, group, rule: '', deleted: !ctx.dryRun };
  }
  const rules = rulesOf(row);
  if (!rules.some((r) => r.name === rule)) throw new NotFoundError(`group "${group}" has no rule "${rule}"${didYouMean(rule, rules.map((r) => r.name))}`);
  if (!ctx.dryRun) await collection.put({ ...row, rules: { rules: rules.filter((r) => r.name !== rule) }, seen_at: ctx.now().toISOString() });
  return { cloud: LOCAL, group, rule, deleted: !ctx.dryRun };
}

/** One cloud's outcome of `secgroup upload`. */
export interface SyncResult {
  cloud: string;
  group: string;
  ok: boolean;
  added: number;
  removed: number;
  kept: number;
  /** `would add tcp:22-22:0.0.0.0/0 …` under --dry-run. */
  plan?: string;
  error?: string;
}

/** Make the group on each cloud hold exactly the local rules (all clouds at once). */
export async function uploadSecgroup(ctx: Context, group: string, clouds: readonly string[]): Promise<SyncResult[]> {
  const wanted = rulesOf(await localGroup(ctx, group)).map(({ name: _name, ...rule }) => rule);
  const collection = (await ctx.store()).collection('secgroups');
  return Promise.all(
    clouds.map(async (cloud): Promise<SyncResult> => {
      try {
        const current = (await cloudGroups(ctx, cloud)).find((g) => g.name === group);
        const diff = ruleDiff(wanted, current?.rules ?? []);
        const counts = { added: diff.add.length, removed: diff.remove.length, kept: diff.keep.length };
        if (ctx.dryRun) {
          const plan = [current ? '' : 'would create the group', ...diff.add.map((r) => `would add ${ruleKey(r)}`), ...diff.remove.map((r) => `would remove ${ruleKey(r)}`)].filter(Boolean).join('; ');
          return { cloud, group, ok: true, ...counts, plan: plan || 'already in sync' };
        }
        const synced = await callCloud(ctx, cloud, `upload security group ${group}`, (provider) => provider.uploadSecgroup({ name: group, description: 'cloudmesh', rules: wanted }));
        await collection.put({ cloud, name: group, rules: { rules: synced.rules, id: synced.id }, source: cloud, seen_at: ctx.now().toISOString() });
        return { cloud, group, ok: true, ...counts };
      } catch (error) {
        return { cloud, group, ok: false, added: 0, removed: 0, kept: 0, error: errorText(error) };
      }
    }),
  );
}
