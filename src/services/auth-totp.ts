/**
 * @module services/auth-totp
 * TOTP (RFC 6238) as the fallback second factor: enrolment from the local CLI and verification for the
 * portal login and the CLI's `auth require` gate. A code is accepted once: the accepted time step is
 * written back, and a code of that step or an earlier one is refused afterwards, in any process.
 */
import { NotFoundError } from '../core/errors.ts';
import { newFactorId, readAuthState, summarize, updateAuthState, type FactorSummary, type TotpFactor } from './auth-store.ts';

/** A code one 30 s step early or late is still accepted (clocks drift, people type slowly). */
const TOLERANCE_SECONDS = 30;

export interface TotpEnrolment extends FactorSummary {
  /** Shown once by `cm auth totp enroll`, never again. */
  secret: string;
  uri: string;
}

export async function enrollTotp(home: string, name: string, label: string): Promise<TotpEnrolment> {
  const { generateSecret, generateURI } = await import('otplib');
  const secret = generateSecret();
  const factor = updateAuthState(home, (state) => {
    const created: TotpFactor = { kind: 'totp', id: newFactorId('totp', state.factors), name, created_at: new Date().toISOString(), secret, lastStep: 0 };
    state.factors.push(created);
    return created;
  });
  return { ...summarize(factor), secret, uri: generateURI({ issuer: 'cloudmesh', label, secret }) };
}

export function hasTotp(home: string): boolean {
  return readAuthState(home).factors.some((f) => f.kind === 'totp');
}

/**
 * Check `code` against every TOTP factor; on success mark its step used and return the factor.
 * Returns undefined for a wrong, expired or already used code (the caller counts the failed attempt).
 */
export async function verifyTotp(home: string, code: string, epoch = Date.now() / 1000): Promise<FactorSummary | undefined> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const { verify } = await import('otplib');
  const factors = readAuthState(home).factors.filter((f): f is TotpFactor => f.kind === 'totp');
  if (factors.length === 0) throw new NotFoundError('no TOTP factor is enrolled', { hint: 'run: cm auth totp enroll' });
  for (const factor of factors) {
    const result = await verify({ secret: factor.secret, token, epoch: Math.floor(epoch), epochTolerance: TOLERANCE_SECONDS, afterTimeStep: factor.lastStep });
    if (!result.valid) continue;
    // The functional verify serves HOTP too; a TOTP result always carries its time step.
    const step = (result as { timeStep?: number }).timeStep;
    if (step === undefined) continue;
    // Re-check under the write: another process may have accepted this very step a moment ago.
    const accepted = updateAuthState(home, (state) => {
      const current = state.factors.find((f): f is TotpFactor => f.id === factor.id && f.kind === 'totp');
      if (!current || current.lastStep >= step) return false;
      current.lastStep = step;
      return true;
    });
    return accepted ? summarize(factor) : undefined;
  }
  return undefined;
}

/** The current code of a secret (tests and the enrolment check use it). */
export async function totpCode(secret: string, epoch = Date.now() / 1000): Promise<string> {
  const { generate } = await import('otplib');
  return generate({ secret, epoch: Math.floor(epoch) });
}
