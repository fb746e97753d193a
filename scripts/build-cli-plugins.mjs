// esbuild plugins that shape the CLI build for start-up time. They change how modules are packed into
// files, never what the code does. Measured on a cached `cm vm list` (1000 rows): every file Node loads
// costs a resolve, a read and a link, and every `import()` an asynchronous trip through the module
// loader (~1.5 ms each when three ran one after another before the first row was read).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * The modules (nearly) every command runs through: the entry's `import('./main.ts')`, then config, store,
 * renderer. They and everything they import statically form the hot path, built into one chunk.
 */
const HOT_PATH = [
  'cli/main.ts', 'config/load.ts', 'config/secrets.ts', 'store/registry.ts', 'store/scope.ts', 'store/sqlite/index.ts', 'output/render.ts',
  // Small services most commands use, each otherwise a chunk of its own.
  'services/defaults.ts', 'services/age.ts',
  // Builtins the hot path uses (see builtins below), so that their little modules join its chunk.
  'node:fs', 'node:path', 'node:os', 'node:module',
];
/** Left alone: `cm --version` must not load the hot path, so its `import('./main.ts')` stays dynamic. */
const ENTRY = 'cli/entry.ts';

const STATIC_IMPORT = /(?:\bfrom|^import)\s+['"](\.{1,2}\/[^'"]+\.ts)['"]/gm;
// `typeof import('…')` is a type, not a load.
const DYNAMIC_IMPORT = /(?<!typeof\s*\(?\s*)\bimport\(\s*(['"])(\.{1,2}\/[^'"]+\.ts|node:[a-z_/]+)\1\s*\)/g;

const read = (file) => readFileSync(file, 'utf8');
const importsOf = (file, pattern) =>
  [...read(file).matchAll(pattern)].map((m) => resolve(dirname(file), m[m.length - 1])).filter((f) => existsSync(f));

/** `roots` and every source file they import statically, transitively. */
function closure(roots) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !file.endsWith('.ts')) return;
    seen.add(file);
    importsOf(file, STATIC_IMPORT).forEach(visit);
  };
  roots.forEach(visit);
  return seen;
}

/**
 * One chunk for the hot path. esbuild puts modules reached from the same set of entry points (the entries
 * plus every `import()` target) in one chunk, so the hot path was scattered over many small files. Two
 * steps gather it:
 * - every remaining `import()` target starts with a side-effect import of the hot path, which gives every
 *   hot module the same set of entry points. No behaviour changes: targets are only ever imported after
 *   main.ts, which has loaded the hot path already, and the import binds nothing;
 * - an `import('./x.ts')` of a hot module becomes `Promise.resolve(ns)` over a static `import * as ns`:
 *   the module is in the chunk that is already loaded, and the dynamic form only added a re-export file
 *   and an asynchronous load. The namespace is read when the promise settles, after every module of the
 *   chunk has run, so the cycles this forms are harmless.
 */
function hotPath() {
  const files = readdirSync(src, { recursive: true }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(src, f));
  const targets = new Set(files.flatMap((file) => importsOf(file, DYNAMIC_IMPORT)));
  const hot = closure(HOT_PATH.filter((f) => f.endsWith('.ts')).map((f) => join(src, f)));
  const hotBuiltins = new Set(HOT_PATH.filter((f) => f.startsWith('node:')));
  const entry = join(src, ENTRY);
  return {
    name: 'hot-path',
    setup(b) {
      b.onResolve({ filter: /^cm:hot-path$/ }, () => ({ path: 'hot-path', namespace: 'cm-hot-path' }));
      b.onLoad({ filter: /.*/, namespace: 'cm-hot-path' }, () => ({
        contents: HOT_PATH.map((f) => `import ${JSON.stringify(f.startsWith('node:') ? f : join(src, f))};`).join('\n'),
        loader: 'js',
        resolveDir: src,
      }));
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        let text = read(args.path);
        const added = [];
        if (args.path !== entry) {
          text = text.replace(DYNAMIC_IMPORT, (whole, quote, spec) => {
            if (!(hotBuiltins.has(spec) || hot.has(resolve(dirname(args.path), spec)))) return whole;
            const name = `__cmHot${added.length}`;
            added.push(`import * as ${name} from ${JSON.stringify(spec)};`);
            return `Promise.resolve(${name})`;
          });
        }
        if (targets.has(args.path)) added.unshift("import 'cm:hot-path';");
        return added.length > 0 ? { contents: `${added.join(' ')}\n${text}`, loader: 'ts' } : undefined;
      });
    },
  };
}

/**
 * Node builtins without ESM facades. An `import … from 'node:fs'` makes Node build a module facade of
 * the builtin on first use, reading every export, getters included: for fs that loads the stream
 * classes, and the facades of fs, fs/promises, path, os and module cost ~6 ms of a ~45 ms cached
 * `cm vm list`. Here each builtin import becomes a small module over `process.getBuiltinModule`
 * (Node >= 22.3) exporting the builtin's plain properties, one pure statement each, so that esbuild keeps
 * only the names the bundle uses and nothing lazy in Node's builtins is forced early. A getter
 * (fs.promises, fs.ReadStream) is left out: importing one by name fails the build, not the run.
 */
function builtins() {
  const names = new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])));
  return {
    name: 'builtins-without-facades',
    setup(b) {
      b.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
        // Bundled CommonJS (yaml) keeps its require() of builtins: it reads whole module objects.
        if (!names.has(args.path) || args.kind === 'require-call') return undefined;
        return { path: args.path.replace(/^(node:)?/, 'node:'), namespace: 'cm-builtin' };
      });
      const load = (args) => {
        const exported = Object.entries(Object.getOwnPropertyDescriptors(process.getBuiltinModule(args.path)))
          .filter(([name, descriptor]) => 'value' in descriptor && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
          .map(([name]) => `export const ${name} = /* @__PURE__ */ (() => builtin.${name})();`);
        const module = `const builtin = /* @__PURE__ */ process.getBuiltinModule(${JSON.stringify(args.path)});`;
        return { contents: [module, 'export default builtin;', ...exported].join('\n'), loader: 'js' };
      };
      b.onLoad({ filter: /.*/, namespace: 'cm-builtin' }, load);
    },
  };
}

/** The CLI build's plugins (not the local runner's: it is built apart, as one file). */
export function cliPlugins() {
  return [hotPath(), builtins()];
}
