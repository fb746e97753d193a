/**
 * @module services/defaults
 * Defaults the user chose (`default image=ubuntu --cloud chi`). A default without `--cloud` is general;
 * with it, it belongs to that cloud or cluster. Looking one up tries the specific scope first and then
 * the general one, so a per-cloud image overrides a general image without hiding general keys.
 */
import type { Context } from '../core/command.ts';
import type { DefaultRow } from '../core/collections.ts';
import { NotFoundError, UserError } from '../core/errors.ts';

/** The scope of defaults that apply everywhere. */
export const GENERAL = 'general';

const KEY_PATTERN = /^[A-Za-z_][\w.-]*$/;

/** Reject keys that could not be typed back (`default a b=c`), before anything is stored. */
export function checkKey(key: string, what = 'default'): string {
  if (!KEY_PATTERN.test(key)) {
    throw new UserError(`invalid ${what} name "${key}": use letters, digits, "_", "-" and "." and start with a letter`);
  }
  return key;
}

/** Split `KEY=VALUE`; a word without `=` is a key alone. */
export function splitAssignment(word: string): { key: string; value?: string } {
  const eq = word.indexOf('=');
  return eq < 0 ? { key: word } : { key: word.slice(0, eq), value: word.slice(eq + 1) };
}

/** Set `key` to `value` in `scope` (general when omitted). */
export async function setDefault(ctx: Context, key: string, value: string, scope = GENERAL): Promise<DefaultRow> {
  const row: DefaultRow = { scope, key: checkKey(key), value, source: ctx.face, seen_at: ctx.now().toISOString() };
  await (await ctx.store()).collection('defaults').put(row);
  return row;
}

/** The value of `key` for `scope`, falling back to the general scope; undefined when unset. */
export async function findDefault(ctx: Context, key: string, scope = GENERAL): Promise<DefaultRow | undefined> {
  const defaults = (await ctx.store()).collection('defaults');
  return (scope !== GENERAL ? await defaults.get({ scope, key }) : undefined) ?? (await defaults.get({ scope: GENERAL, key }));
}

/** Like `findDefault` but a missing key is an error naming the key. */
export async function getDefault(ctx: Context, key: string, scope = GENERAL): Promise<DefaultRow> {
  const row = await findDefault(ctx, key, scope);
  if (!row) throw new NotFoundError(`no default "${key}"${scope !== GENERAL ? ` for ${scope}` : ''}`, { hint: `set one with: cm default ${key}=VALUE` });
  return row;
}

/** Every default, or those of one scope. */
export async function listDefaults(ctx: Context, scope?: string): Promise<DefaultRow[]> {
  return (await ctx.store()).collection('defaults').list({ ...(scope ? { where: { scope } } : {}), orderBy: [{ column: 'scope' }, { column: 'key' }] });
}

/** Delete `key` from `scope`; an unknown key is an error. */
export async function deleteDefault(ctx: Context, key: string, scope = GENERAL): Promise<{ scope: string; key: string; deleted: boolean }> {
  const removed = await (await ctx.store()).collection('defaults').delete({ scope, key });
  if (removed === 0) throw new NotFoundError(`no default "${key}"${scope !== GENERAL ? ` for ${scope}` : ''} to delete`);
  return { scope, key, deleted: true };
}
