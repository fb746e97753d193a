/**
 * @module providers/comet/auth
 * Comet's nucleus API authentication, as the original client did it. APIKEY (the default): every request
 * carries fresh `timestamp` and `nonce` headers and an HTTP Signature (draft-cavage, hmac-sha256) over
 * exactly those two headers, keyed by the API key id and signed with the API secret; no session is kept.
 * USERPASS: a token from `rest-auth/login/`, sent as `Authorization: Token <key>`.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The headers that sign one APIKEY request. `now` and `nonce` are injectable for tests. */
export function apiKeyHeaders(apiKey: string, apiSecret: string, now = new Date(), nonce = makeNonce()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = sign(apiSecret, { timestamp, nonce });
  return {
    timestamp,
    nonce,
    'X-Api-Key': apiKey,
    Authorization: `Signature keyId="${apiKey}",algorithm="hmac-sha256",headers="timestamp nonce",signature="${signature}"`,
  };
}

/** The base64 HMAC-SHA256 of the signing string `timestamp: T\nnonce: N` (header names lower-cased, in order). */
export function sign(secret: string, headers: { timestamp: string; nonce: string }): string {
  const signingString = `timestamp: ${headers.timestamp}\nnonce: ${headers.nonce}`;
  return createHmac('sha256', secret).update(signingString).digest('base64');
}

/** Parse `Signature keyId="…",algorithm="…",headers="…",signature="…"` into its fields. */
export function parseSignature(header: string | undefined): Record<string, string> | undefined {
  if (!header?.startsWith('Signature ')) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice('Signature '.length).matchAll(/(\w+)="([^"]*)"/g)) fields[match[1]!] = match[2]!;
  return fields;
}

/** Ten random characters, as the original client sent. */
function makeNonce(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
}
