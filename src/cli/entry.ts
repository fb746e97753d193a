/**
 * @module cli/entry
 * What the `cm` binary runs. `--version` answers from a constant before anything else loads, so it costs
 * little more than starting Node; everything else is imported on demand. Node's modules are taken with
 * `process.getBuiltinModule` and nothing is imported statically, so this stays one small file.
 */
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.getBuiltinModule('node:fs').writeSync(1, `${VERSION}\n`);
} else {
  // V8 keeps compiled code of the bundle, yaml and kysely on disk between runs: most of a cold start is compiling.
  process.getBuiltinModule('node:module').enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
  // The command has answered and closed what it opened. A request a provider could not abort (a cloud that
  // never answers, already reported as timed out) must not keep `cm` alive: give stragglers a moment, then go.
  setTimeout(() => process.exit(), 1000).unref();
}
