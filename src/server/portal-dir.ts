/**
 * @module server/portal-dir
 * Finds the built portal. The portal is its own package (cloudmesh-portal), so the client never carries
 * front-end tooling; it is looked for, in order, at $CLOUDMESH_PORTAL (a folder holding index.html or
 * dist/index.html), as an installed `cloudmesh-portal` package, and beside this client in a source
 * checkout (portal/dist).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function built(folder: string): string | undefined {
  // dist/ first: a package folder also holds the unbuilt index.html the build starts from.
  for (const candidate of [join(folder, 'dist'), folder]) if (existsSync(join(candidate, 'index.html'))) return resolve(candidate);
  return undefined;
}

export function findPortal(env: Record<string, string | undefined>, cwd = process.cwd()): string | undefined {
  if (env.CLOUDMESH_PORTAL) return built(env.CLOUDMESH_PORTAL);
  for (const base of [cwd, fileURLToPath(import.meta.url)]) {
    try {
      const pkg = createRequire(join(base, 'x.js')).resolve('cloudmesh-portal/package.json');
      const found = built(dirname(pkg));
      if (found) return found;
    } catch {
      // not installed where this base looks
    }
  }
  // dist/cli/chunk.js or src/server/portal-dir.ts → the checkout's root is two folders up.
  return built(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'portal'));
}

export const PORTAL_INSTALL_HINT =
  'install the portal package next to cloudmesh: npm install cloudmesh-portal (in a source checkout: npm --prefix portal ci && npm --prefix portal run build), or set CLOUDMESH_PORTAL to its built folder';
