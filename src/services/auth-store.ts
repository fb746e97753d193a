/**
 * @module services/auth-store
 * The second factors and the server token live in `$CLOUDMESH_HOME/auth/` (mode 0700), files mode 0600,
 * never in the state database: a shared PostgreSQL store must not hand one user's TOTP secret to another,
 * and `db export` must never carry a credential. Writes go to a temporary file renamed over the old one,
 * so the server and a CLI process reading at the same moment see either the old or the new file whole.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NotFoundError, UserError } from '../core/errors.ts';

/** A registered security key: only public material (the public key signs nothing here, it verifies). */
export interface WebauthnFactor {
  kind: 'webauthn';
  id: string;
  name: string;
  created_at: string;
  /** The credential id, base64url. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports?: string[];
}

/** A TOTP factor. `secret` never leaves this file except through `cm auth totp enroll`'s one-time print. */
export interface TotpFactor {
  kind: 'totp';
  id: string;
  name: string;
  created_at: string;
  secret: string;
  /** The last time step a code was accepted for: a code is good once (replay protection). */
  lastStep: number;
}

export type Factor = WebauthnFactor | TotpFactor;

export interface AuthState {
  /** `cm auth require on`: destructive commands and credential reads on the CLI ask for a fresh factor. */
  require: boolean;
  factors: Factor[];
}

/** What `auth list` shows: no secret, no key material. */
export interface FactorSummary {
  id: string;
  kind: Factor['kind'];
  name: string;
  created_at: string;
}

export function authDir(home: string): string {
  return join(home, 'auth');
}

function ensureDir(home: string): string {
  const dir = authDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** Write a private file atomically with mode 0600 from its first byte. */
export function writePrivate(path: string, text: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  renameSync(temp, path);
}

/** Read a private file, refusing one that others can read (someone may have copied it in carelessly). */
export function readPrivate(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) throw new UserError(`${path} is readable by other users`, { hint: `run: chmod 600 ${path}` });
  return readFileSync(path, 'utf8');
}

export function readAuthState(home: string): AuthState {
  const text = readPrivate(join(authDir(home), 'factors.json'));
  if (!text) return { require: false, factors: [] };
  const parsed = JSON.parse(text) as Partial<AuthState>;
  return { require: parsed.require === true, factors: Array.isArray(parsed.factors) ? parsed.factors : [] };
}

/**
 * Change the auth state: `change` gets the state as read just now (not a copy held since earlier), so the
 * server bumping a counter and the CLI adding a factor do not undo each other.
 */
export function updateAuthState<T>(home: string, change: (state: AuthState) => T): T {
  const dir = ensureDir(home);
  const state = readAuthState(home);
  const result = change(state);
  writePrivate(join(dir, 'factors.json'), JSON.stringify(state, null, 2) + '\n');
  return result;
}

export function summarize(factor: Factor): FactorSummary {
  return { id: factor.id, kind: factor.kind, name: factor.name, created_at: factor.created_at };
}

/** A short id users can type: `totp-3f9a`, `key-81c2`. */
export function newFactorId(kind: Factor['kind'], taken: readonly Factor[]): string {
  for (;;) {
    const id = `${kind === 'totp' ? 'totp' : 'key'}-${randomBytes(2).toString('hex')}`;
    if (!taken.some((f) => f.id === id)) return id;
  }
}

export function removeFactor(home: string, id: string): FactorSummary {
  return updateAuthState(home, (state) => {
    const index = state.factors.findIndex((f) => f.id === id);
    if (index < 0) {
      throw new NotFoundError(`no second factor "${id}"`, { hint: `known: ${state.factors.map((f) => f.id).join(', ') || 'none'}` });
    }
    const [removed] = state.factors.splice(index, 1);
    // With no factor left, requiring one would lock the user out of their own destructive commands.
    if (state.factors.length === 0) state.require = false;
    return summarize(removed!);
  });
}

/** The server's bearer token, created on first use (32 random bytes, base64url), stored 0600. */
export function serverToken(home: string, options: { rotate?: boolean } = {}): string {
  const path = join(authDir(home), 'server-token');
  const existing = options.rotate ? undefined : readPrivate(path)?.trim();
  if (existing) return existing;
  ensureDir(home);
  const token = randomBytes(32).toString('base64url');
  writePrivate(path, token + '\n');
  return token;
}
