// Builds what `cm` and `import 'cloudmesh'` run: one esbuild pass with code splitting, so the CLI entry stays
// tiny and each command group, store backend and provider loads only when used. Native and heavy packages
// stay external and are loaded from node_modules at run time. Then emits .d.ts files for the library.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { cliPlugins } from './build-cli-plugins.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Build into a fresh folder and swap it in at the end, so a test that is running `cm` while another build
// runs never finds dist/ half-written or its chunks gone.
const dist = new URL('../dist', import.meta.url);
const staging = new URL(`../dist.building-${process.pid}`, import.meta.url);
const out = (folder) => `dist.building-${process.pid}/${folder}`;
rmSync(staging, { recursive: true, force: true });

// Several people work in one tree: a registry line may land before the module it names. Such an import
// becomes a module that throws when loaded, with a warning here, so everyone else can still build and
// test; `npm test` type-checks right after building, and tsc fails on the missing module, so nothing
// incomplete passes. CM_STRICT_BUILD=1 turns the warning back into an error.
const missingModules = {
  name: 'missing-modules',
  setup(b) {
    if (process.env.CM_STRICT_BUILD === '1') return;
    b.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
      if (args.importer.includes('/node_modules/')) return undefined;
      const path = new URL(args.path, `file://${args.resolveDir}/`).pathname;
      if (existsSync(path)) return undefined;
      console.warn(`build: ${args.importer.replace(process.cwd() + '/', '')} imports ${args.path}, which does not exist (yet)`);
      return { path, namespace: 'missing-module' };
    });
    b.onLoad({ filter: /.*/, namespace: 'missing-module' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`this build lacks ${args.path}`)});`,
      loader: 'js',
    }));
  },
};

const started = Date.now();
// Bundled CommonJS code (yaml) calls require(). The CLI's chunks share one, made on first call: a
// createRequire per chunk, through the node:module facade, was start-up time spent on every run.
const CLI_BANNER = 'const require = (...args) => (globalThis.__cmRequire ??= process.getBuiltinModule("node:module").createRequire(import.meta.url))(...args);';
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
  plugins: [missingModules],
};
// The CLI and the library are built apart: sharing one split graph cuts the CLI's path into many more
// small chunks, and each chunk is a module Node must resolve and link at start-up. Each output folder gets
// its own local-runner.js, which the local scheduler finds next to its own chunk.
await Promise.all([
  build({ ...shared, plugins: [...shared.plugins, ...cliPlugins()], banner: { js: CLI_BANNER }, entryPoints: { cm: 'src/cli/entry.ts' }, outdir: out('cli'), chunkNames: 'chunk-[hash]' }),
  // The runner is a program of its own, in one file: built apart, it shares no chunk with the CLI, whose
  // hot path would otherwise be split wherever the two use the same module.
  build({ ...shared, splitting: false, entryPoints: { 'local-runner': 'src/providers/hpc/local/runner.ts' }, outdir: out('cli') }),
  build({ ...shared, sourcemap: 'linked', entryPoints: { index: 'src/index.ts', 'local-runner': 'src/providers/hpc/local/runner.ts' }, outdir: out('lib'), chunkNames: 'chunk-[hash]' }),
]);

try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out('types')], { stdio: 'inherit' });
} catch (error) {
  // tsc still wrote the declarations; only a strict build stops on type errors (npm test type-checks anyway).
  if (process.env.CM_STRICT_BUILD === '1') throw error;
  console.warn('build: the library declarations have type errors (see above); dist/ is built anyway');
}
const retired = new URL(`../dist.old-${process.pid}`, import.meta.url);
if (existsSync(dist)) renameSync(dist, retired);
renameSync(staging, dist);
rmSync(retired, { recursive: true, force: true });
console.log(`built dist/ in ${Date.now() - started} ms`);
