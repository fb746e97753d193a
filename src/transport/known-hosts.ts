/**
 * @module transport/known-hosts
 * Host-key checking against OpenSSH's known_hosts format, so cloudmesh trusts exactly the keys `ssh` does:
 * plain and `[host]:port` patterns, wildcard and negated patterns, hashed entries (`|1|salt|hmac`), and
 * `@revoked` lines. `@cert-authority` lines are skipped: host certificates are not supported.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One key line of a known_hosts file. */
interface KnownHost {
  marker: 'revoked' | 'cert-authority' | null;
  /** Comma-separated patterns, or a hashed host. */
  hosts: { patterns: string[] } | { salt: Buffer; hash: Buffer };
  key: Buffer;
  line: number;
}

/** What the known_hosts files say about a presented key. */
export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown' }
  | { kind: 'changed'; file: string; line: number }
  | { kind: 'revoked'; file: string; line: number };

/** How ssh names a host in known_hosts: the bare name on port 22, `[name]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key's algorithm, read from its wire-format blob (`ssh-ed25519`, `ecdsa-sha2-nistp256` …). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parse one file's text; lines that are not key lines (comments, garbage) are ignored, as ssh does. */
export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHost['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
    const [hostField, , keyText] = fields;
    if (hostField === undefined || keyText === undefined) return;
    const key = Buffer.from(keyText, 'base64');
    if (key.length === 0) return;
    let hosts: KnownHost['hosts'];
    if (hostField.startsWith('|1|')) {
      const [, , salt = '', hash = ''] = hostField.split('|');
      hosts = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      hosts = { patterns: hostField.split(',') };
    }
    entries.push({ marker, hosts, key, line: index + 1 });
  });
  return entries;
}

/** Whether `name` (`host` or `[host]:port`) is one of the entry's hosts. */
function matches(entry: KnownHost, name: string): boolean {
  if ('salt' in entry.hosts) {
    const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return digest.length === entry.hosts.hash.length && digest.equals(entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false; // a matching negation wins over any positive match
    matched = true;
  }
  return matched;
}

/** ssh's host patterns: `*` and `?` wildcards, case-insensitive. */
function globMatch(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/**
 * Look `key` up for `host:port` in `files` (missing files are empty). A host with entries of the key's type
 * none of which is this key has CHANGED its key; a host with no entries of that type is unknown.
 */
export async function checkHostKey(files: readonly string[], host: string, port: number, key: Buffer): Promise<HostKeyVerdict> {
  const name = knownHostName(host, port);
  const type = keyType(key);
  let changed: HostKeyVerdict | null = null;
  let known = false;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const entry of parseKnownHosts(text)) {
      if (entry.marker === 'cert-authority' || !matches(entry, name)) continue;
      if (entry.marker === 'revoked') {
        if (entry.key.equals(key)) return { kind: 'revoked', file, line: entry.line };
        continue;
      }
      if (entry.key.equals(key)) known = true;
      else if (keyType(entry.key) === type) changed ??= { kind: 'changed', file, line: entry.line };
    }
  }
  // ssh accepts a key listed anywhere, even if another file holds an old one of the same type.
  if (known) return { kind: 'known' };
  return changed ?? { kind: 'unknown' };
}

/** Record an accepted key, hashed like `HashKnownHosts yes` so the file does not list where the user goes. */
export async function addKnownHost(file: string, host: string, port: number, key: Buffer): Promise<void> {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(knownHostName(host, port)).digest();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // A last line without its newline would otherwise swallow the new entry.
  const current = await readFile(file, 'utf8').catch(() => '');
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}|1|${salt.toString('base64')}|${hash.toString('base64')} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
