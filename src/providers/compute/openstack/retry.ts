/**
 * @module providers/compute/openstack/retry
 * The pure parts of the retry policy: which methods may be repeated, how long to wait, and the one-line
 * reason an OpenStack service gives in its error body.
 */

/** HTTP methods whose repetition has the effect of one call. */
export function isIdempotent(method: string): boolean {
  return ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].includes(method.toUpperCase());
}

/** Most a single Retry-After is honoured for before the budget decides. */
const MAX_RETRY_AFTER_MS = 60_000;

/** `Retry-After` (seconds or an HTTP date) in ms; the backoff when absent or unreadable. */
export function retryAfterMs(header: string | null, attempt: number, now = Date.now()): number {
  if (header) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (Number.isFinite(date)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
  }
  return backoffMs(attempt);
}

/** Exponential backoff with jitter: ~0.5 s, 1 s, 2 s … capped at 8 s. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return Math.round(base * (0.75 + random * 0.5));
}

/**
 * The message of an OpenStack error body: Nova `{"badRequest": {"message"}}`, Neutron
 * `{"NeutronError": {"message"}}`, Keystone `{"error": {"message"}}`, Glance's plain text or HTML.
 */
export function faultMessage(body: string): string {
  if (!body) return '(no details)';
  try {
    const parsed = JSON.parse(body) as unknown;
    const found = findMessage(parsed, 0);
    if (found) return oneLine(found);
  } catch {
    // Not JSON: Glance and proxies answer text or HTML.
  }
  return oneLine(body.replace(/<[^>]*>/g, ' '));
}

function findMessage(value: unknown, depth: number): string | undefined {
  if (depth > 3 || typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['message'] === 'string') return record['message'];
  if (typeof record['title'] === 'string' && typeof record['description'] === 'string') return record['description'];
  for (const inner of Object.values(record)) {
    const found = findMessage(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line || '(no details)';
}
