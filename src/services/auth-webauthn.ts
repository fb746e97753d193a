/**
 * @module services/auth-webauthn
 * Security keys (FIDO2/WebAuthn, e.g. YubiKey) through @simplewebauthn/server. Every challenge is kept in
 * memory for one use and two minutes: a verification consumes it whether it succeeds or not, so a captured
 * assertion cannot be replayed, and the signature counter is checked on top.
 *
 * The relying party is `localhost`: WebAuthn does not accept an IP address as RP ID, and a credential made
 * for `localhost` works on every port, so the key enrolled on `cm auth webauthn register`'s one-off page
 * also logs in to `cm server start`'s portal.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../core/errors.ts';
import { newFactorId, readAuthState, summarize, updateAuthState, type FactorSummary, type WebauthnFactor } from './auth-store.ts';

export const RP_ID = 'localhost';
const CHALLENGE_TTL_MS = 120_000;

/** One-use challenges of this process, keyed by the challenge itself. */
export class ChallengeBook {
  #open = new Map<string, { purpose: 'register' | 'login'; expires: number }>();

  add(challenge: string, purpose: 'register' | 'login'): void {
    const now = Date.now();
    for (const [key, entry] of this.#open) if (entry.expires < now) this.#open.delete(key);
    this.#open.set(challenge, { purpose, expires: now + CHALLENGE_TTL_MS });
  }

  /** True once for a challenge issued for `purpose` that has not expired; it is gone afterwards. */
  take(challenge: string, purpose: 'register' | 'login'): boolean {
    const entry = this.#open.get(challenge);
    this.#open.delete(challenge);
    return !!entry && entry.purpose === purpose && entry.expires >= Date.now();
  }
}

function keys(home: string): WebauthnFactor[] {
  return readAuthState(home).factors.filter((f): f is WebauthnFactor => f.kind === 'webauthn');
}

export function hasWebauthn(home: string): boolean {
  return keys(home).length > 0;
}

export async function registrationOptions(home: string, book: ChallengeBook, userName: string): Promise<unknown> {
  const { generateRegistrationOptions } = await import('@simplewebauthn/server');
  const options = await generateRegistrationOptions({
    rpName: 'cloudmesh',
    rpID: RP_ID,
    userName,
    userID: new TextEncoder().encode(userName),
    attestationType: 'none',
    excludeCredentials: keys(home).map((k) => ({ id: k.credentialId, ...(k.transports ? { transports: k.transports } : {}) })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
  });
  book.add(options.challenge, 'register');
  return options;
}

/** The challenge a browser signed, read from its clientDataJSON (verification re-checks it). */
function challengeOf(response: unknown): string {
  const clientData = (response as { response?: { clientDataJSON?: unknown } })?.response?.clientDataJSON;
  if (typeof clientData !== 'string') throw new UserError('malformed WebAuthn response');
  try {
    const parsed = JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof parsed.challenge === 'string') return parsed.challenge;
  } catch {
    // fall through
  }
  throw new UserError('malformed WebAuthn response');
}

export async function verifyRegistration(home: string, book: ChallengeBook, response: unknown, origin: string, name: string): Promise<FactorSummary> {
  const challenge = challengeOf(response);
  if (!book.take(challenge, 'register')) throw new UserError('unknown or expired WebAuthn challenge');
  const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: response as Parameters<typeof verifyRegistrationResponse>[0]['response'],
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
  } catch (error) {
    throw new UserError(`security key registration rejected: ${(error as Error).message}`);
  }
  if (!verified.verified) throw new UserError('security key registration rejected');
  const { credential } = verified.registrationInfo;
  const factor = updateAuthState(home, (state) => {
    const created: WebauthnFactor = {
      kind: 'webauthn',
      id: newFactorId('webauthn', state.factors),
      name,
      created_at: new Date().toISOString(),
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      ...(credential.transports ? { transports: credential.transports } : {}),
    };
    state.factors.push(created);
    return created;
  });
  return summarize(factor);
}

export async function authenticationOptions(home: string, book: ChallengeBook): Promise<unknown> {
  const registered = keys(home);
  if (registered.length === 0) throw new UserError('no security key is registered', { hint: 'run: cm auth webauthn register' });
  const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: registered.map((k) => ({ id: k.credentialId, ...(k.transports ? { transports: k.transports } : {}) })),
    userVerification: 'discouraged',
    challenge: randomBytes(32),
  });
  book.add(options.challenge, 'login');
  return options;
}

/** Verify an assertion; returns the key used, or throws a UserError (unknown key, replay, bad signature). */
export async function verifyAuthentication(home: string, book: ChallengeBook, response: unknown, origin: string): Promise<FactorSummary> {
  const challenge = challengeOf(response);
  if (!book.take(challenge, 'login')) throw new UserError('unknown, used or expired WebAuthn challenge');
  const id = (response as { id?: unknown }).id;
  const key = keys(home).find((k) => k.credentialId === id);
  if (!key) throw new UserError('unknown security key');
  const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response: response as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      credential: { id: key.credentialId, publicKey: Buffer.from(key.publicKey, 'base64url'), counter: key.counter, ...(key.transports ? { transports: key.transports } : {}) },
      requireUserVerification: false,
    });
  } catch (error) {
    throw new UserError(`security key assertion rejected: ${(error as Error).message}`);
  }
  if (!result.verified) throw new UserError('security key assertion rejected');
  updateAuthState(home, (state) => {
    const current = state.factors.find((f): f is WebauthnFactor => f.id === key.id && f.kind === 'webauthn');
    if (current) current.counter = result.authenticationInfo.newCounter;
  });
  return summarize(key);
}
