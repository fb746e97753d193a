#!/usr/bin/env node
// cloudmesh's `cm`. It needs Node >= 22.12; when an older system node runs this file, re-run it with the
// Node that npm installed beside the package (the `node` devDependency), if there is one. Imports stay
// inside the fallback so the normal path costs nothing.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  const { spawnSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    process.stderr.write(`error: cloudmesh needs Node.js >= 22.12; this is ${process.versions.node}\nhint: run it through npx or npm, or install a newer Node\n`);
    process.exit(1);
  }
  const result = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
await import('../dist/cli/cm.js');
