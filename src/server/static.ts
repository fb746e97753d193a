/**
 * @module server/static
 * Serves the built portal (the separate cloudmesh-portal package's dist/ folder): files by extension,
 * index.html for any other path (the portal routes by URL hash, so this is only a fallback). A path that
 * leaves the folder is refused.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Hono } from 'hono';
import type { ServerEnv } from './auth/guard.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function mountPortal(app: Hono<ServerEnv>, dir: string): void {
  const root = normalize(dir + sep);
  app.get('*', async (c) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return c.text('not found', 404);
    if (file === root || !extname(file)) file = join(root, 'index.html');
    try {
      const body = await readFile(file);
      const hashed = file.includes(`${sep}assets${sep}`);
      c.header('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
      c.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      return c.body(body);
    } catch {
      return c.text('not found', 404);
    }
  });
}
