/**
 * @module services/vars
 * Variables (`var name=value`) expand as `$name` on every shell and script line, in every face.
 */
import type { Context } from '../core/command.ts';
import type { VarRow } from '../core/collections.ts';
import { NotFoundError } from '../core/errors.ts';
import { checkKey } from './defaults.ts';

export async function setVar(ctx: Context, name: string, value: string): Promise<VarRow> {
  const row: VarRow = { name: checkKey(name, 'variable'), value, source: ctx.face, seen_at: ctx.now().toISOString() };
  await (await ctx.store()).collection('vars').put(row);
  return row;
}

export async function getVar(ctx: Context, name: string): Promise<VarRow> {
  const row = await (await ctx.store()).collection('vars').get({ name });
  if (!row) throw new NotFoundError(`no variable "${name}"`, { hint: `set one with: cm var ${name}=VALUE` });
  return row;
}

export async function listVars(ctx: Context): Promise<VarRow[]> {
  return (await ctx.store()).collection('vars').list();
}

export async function deleteVar(ctx: Context, name: string): Promise<{ name: string; deleted: boolean }> {
  const removed = await (await ctx.store()).collection('vars').delete({ name });
  if (removed === 0) throw new NotFoundError(`no variable "${name}" to delete`);
  return { name, deleted: true };
}

/** Variables as a map, for `$name` expansion of a line. */
export async function varMap(ctx: Context): Promise<Map<string, string>> {
  return new Map((await listVars(ctx)).map((row) => [row.name, row.value]));
}
