/**
 * @module services/keys
 * SSH public keys: a local registry (rows with cloud `local`) the user fills with `key add`, and the key
 * pairs each cloud holds, which `key upload` creates from the registry. Only public keys are ever read:
 * a path to a private key is turned into its `.pub` neighbour, and a file holding a private key is refused.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../core/command.ts';
import type { KeyRow } from '../core/collections.ts';
import type { KeyPair } from '../core/compute.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { checkKey } from './defaults.ts';
import { callCloud } from './vm-call.ts';
import { errorText } from './vm-parallel.ts';

export const LOCAL = 'local';

/** `type base64 [comment]` of an OpenSSH public key line, checked. */
export function parsePublicKey(text: string): { type: string; blob: Buffer; comment: string; line: string } {
  if (/PRIVATE KEY/.test(text)) throw new UserError('that file holds a private key; give the public key (the .pub file)');
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  const match = line ? /^((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(line) : null;
  if (!match) throw new UserError('not an OpenSSH public key (expected a line like "ssh-ed25519 AAAA… comment")');
  const blob = Buffer.from(match[2]!, 'base64');
  // The blob starts with its own type name: a mismatch means a damaged or pasted-together key.
  const inner = blob.length > 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : '';
  if (inner !== match[1]) throw new UserError(`public key is damaged: its type says "${match[1]}" but its data "${inner}"`);
  return { type: match[1]!, blob, comment: match[3] ?? '', line: `${match[1]} ${match[2]}${match[3] ? ` ${match[3]}` : ''}` };
}

/** The fingerprint `ssh-keygen -lf` prints: `SHA256:` and unpadded base64. */
export function fingerprint(publicKey: string): string {
  return 'SHA256:' + createHash('sha256').update(parsePublicKey(publicKey).blob).digest('base64').replace(/=+$/, '');
}

/** The public key file to read: the one given (its `.pub` if it names a private key), else the usual ones. */
export function publicKeyPath(file: string | undefined, home = homedir()): string {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? home + p.slice(1) : p);
  if (file) {
    const path = expand(file);
    if (!path.endsWith('.pub') && existsSync(`${path}.pub`)) return `${path}.pub`;
    return path;
  }
  for (const name of ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub']) {
    const path = join(home, '.ssh', name);
    if (existsSync(path)) return path;
  }
  throw new UserError('no public key found in ~/.ssh (id_ed25519.pub, id_ecdsa.pub, id_rsa.pub)', { hint: 'give one with --file F, or make one with ssh-keygen -t ed25519' });
}

/** Add a public key to the local registry under `name` (default: the profile user). */
export async function addKey(ctx: Context, name: string | undefined, file: string | undefined): Promise<KeyRow> {
  const keyName = checkKey(name ?? (await ctx.user()), 'key');
  const path = publicKeyPath(file, ctx.env.HOME || homedir());
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parsePublicKey(text);
  const row: KeyRow = { cloud: LOCAL, name: keyName, fingerprint: fingerprint(text), public_key: parsed.line, source: `file:${path}`, seen_at: ctx.now().toISOString() };
  const keys = (await ctx.store()).collection('keys');
  const local = await keys.list({ where: { cloud: LOCAL } });
  const same = local.find((k) => k.fingerprint === row.fingerprint);
  if (same && same.name !== keyName) throw new UserError(`this key is already registered as "${same.name}"`);
  const existing = local.find((k) => k.name === keyName);
  if (existing && existing.fingerprint !== row.fingerprint) throw new UserError(`a different key is already registered as "${keyName}"`, { hint: `cm key delete ${keyName} first, or choose another name` });
  if (!ctx.dryRun) await keys.put(row);
  return row;
}

/** The local registry, or (with a cloud) the key pairs that cloud holds now, cached as its rows. */
export async function listKeys(ctx: Context, cloud?: string): Promise<KeyRow[]> {
  const keys = (await ctx.store()).collection('keys');
  if (!cloud || cloud === LOCAL) return keys.list({ where: { cloud: LOCAL }, orderBy: [{ column: 'name' }] });
  const pairs = await callCloud(ctx, cloud, 'list keys', (provider) => provider.listKeys());
  const seenAt = ctx.now().toISOString();
  const rows = pairs.map((pair) => keyRow(cloud, pair, seenAt));
  await keys.replace({ cloud }, rows);
  return rows;
}

function keyRow(cloud: string, pair: KeyPair, seenAt: string): KeyRow {
  return { cloud, name: pair.name, fingerprint: pair.fingerprint, public_key: pair.publicKey, source: cloud, seen_at: seenAt };
}

/** A key of the local registry, or a NotFoundError naming the close ones. */
export async function localKey(ctx: Context, name: string): Promise<KeyRow> {
  const keys = (await ctx.store()).collection('keys');
  const row = await keys.get({ cloud: LOCAL, name });
  if (row) return row;
  const names = (await keys.list({ where: { cloud: LOCAL } })).map((k) => k.name);
  throw new NotFoundError(`no key named "${name}" in the local registry${didYouMean(name, names)}`, { hint: names.length ? `keys: ${names.join(', ')}` : 'add one with cm key add [NAME] [--file F]' });
}

/** Remove a key from the local registry, or (with a cloud) the key pair from that cloud. */
export async function deleteKey(ctx: Context, name: string, cloud?: string): Promise<{ cloud: string; name: string; deleted: boolean; plan?: string }> {
  const keys = (await ctx.store()).collection('keys');
  if (!cloud || cloud === LOCAL) {
    await localKey(ctx, name);
    if (ctx.dryRun) return { cloud: LOCAL, name, deleted: false, plan: 'would remove from the local registry' };
    await keys.delete({ cloud: LOCAL, name });
    return { cloud: LOCAL, name, deleted: true };
  }
  if (ctx.dryRun) return { cloud, name, deleted: false, plan: `would delete key pair "${name}" on ${cloud}` };
  await callCloud(ctx, cloud, `delete key ${name}`, (provider) => provider.deleteKey(name));
  await keys.delete({ cloud, name });
  return { cloud, name, deleted: true };
}

/** One cloud's answer to `key upload`. */
export interface UploadResult {
  cloud: string;
  name: string;
  ok: boolean;
  fingerprint: string | null;
  status: string;
  error?: string;
}

/** Upload a registered key to each cloud (at once); uploading the same key again is fine. */
export async function uploadKey(ctx: Context, name: string, clouds: readonly string[]): Promise<UploadResult[]> {
  const key = await localKey(ctx, name);
  const keys = (await ctx.store()).collection('keys');
  return Promise.all(
    clouds.map(async (cloud): Promise<UploadResult> => {
      if (ctx.dryRun) return { cloud, name, ok: true, fingerprint: key.fingerprint, status: 'would upload' };
      try {
        const pair = await callCloud(ctx, cloud, `upload key ${name}`, (provider) => provider.uploadKey(name, key.public_key!));
        await keys.put(keyRow(cloud, { ...pair, publicKey: pair.publicKey ?? key.public_key }, ctx.now().toISOString()));
        return { cloud, name, ok: true, fingerprint: pair.fingerprint, status: 'uploaded' };
      } catch (error) {
        return { cloud, name, ok: false, fingerprint: null, status: 'failed', error: errorText(error) };
      }
    }),
  );
}
