// Builds what `cm` and `import 'cloudmesh'` run: one esbuild pass with code splitting, so the CLI entry stays
// tiny and each command group, store backend and provider loads only when used. Native and heavy packages
// stay external and are loaded from node_modules at run time. Then emits .d.ts files for the library.
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Build into a fresh folder and swap it in at the end, so a test that is running `cm` while another build
// runs never finds dist/ half-written or its chunks gone.
const dist = new URL('../dist', import.meta.url);
const staging = new URL(`../dist.building-${process.pid}`, import.meta.url);
const out = (folder) => `dist.building-${process.pid}/${folder}`;
rmSync(staging, { recursive: true, force: true });

const started = Date.now();
const shared = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minifySyntax: true,
  legalComments: 'none',
  external: ['better-sqlite3', 'pg', 'mysql2', 'mongodb', 'ssh2', '@aws-sdk/*', '@azure/*', 'dockerode'],
  define: { __CM_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS code may call require(); give ESM chunks one.
  banner: { js: 'import { createRequire as __cmCreateRequire } from "node:module"; const require = __cmCreateRequire(import.meta.url);' },
  logLevel: 'warning',
};
// The CLI and the library are built apart: sharing one split graph cuts the CLI's path into many more
// small chunks, and each chunk is a module Node must resolve and link at start-up. Each output folder gets
// its own local-runner.js, which the local scheduler finds next to its own chunk.
await Promise.all([
  build({ ...shared, entryPoints: { cm: 'src/cli/entry.ts', 'local-runner': 'src/providers/hpc/local/runner.ts' }, outdir: out('cli'), chunkNames: 'chunk-[hash]' }),
  build({ ...shared, sourcemap: 'linked', entryPoints: { index: 'src/index.ts', 'local-runner': 'src/providers/hpc/local/runner.ts' }, outdir: out('lib'), chunkNames: 'chunk-[hash]' }),
]);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out('types')], { stdio: 'inherit' });
const retired = new URL(`../dist.old-${process.pid}`, import.meta.url);
if (existsSync(dist)) renameSync(dist, retired);
renameSync(staging, dist);
rmSync(retired, { recursive: true, force: true });
console.log(`built dist/ in ${Date.now() - started} ms`);
