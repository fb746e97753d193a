/**
 * @module server/auth/session
 * Browser sessions after a two-factor login: a random id in an HttpOnly, SameSite=Strict cookie (script
 * cannot read it, other sites cannot send it) and a separate CSRF token the portal sends in a header with
 * every change. Sessions live in this process only: restarting the server logs everyone out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'cm_session';
const IDLE_MS = 8 * 3600_000;

export interface Session {
  id: string;
  csrf: string;
  factor: string;
  created: number;
  lastSeen: number;
}

export class SessionBook {
  #sessions = new Map<string, Session>();

  create(factor: string): Session {
    const now = Date.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), factor, created: now, lastSeen: now };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session for a cookie value, refreshed; expired ones are dropped. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = Date.now();
    if (now - session.lastSeen > IDLE_MS) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }
}

/** Compare secrets in constant time (lengths may differ: then they simply do not match). */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
