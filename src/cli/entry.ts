/**
 * @module cli/entry
 * What the `cm` binary runs. `--version` answers from a constant before anything else loads, so it costs
 * little more than starting Node; everything else is imported on demand.
 */
import { enableCompileCache } from 'node:module';
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // V8 keeps compiled code of the bundle, yaml and kysely on disk between runs: most of a cold start is compiling.
  enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
