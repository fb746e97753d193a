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
  // A reader that stops early (`cm vm list | head`) is not an error: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw error;
    });
  }
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
  // The command has answered and closed what it opened. A request a provider could not abort (a cloud that
  // never answers, already reported as timed out) must not keep `cm` alive: give stragglers a moment, then go.
  setTimeout(() => process.exit(), 1000).unref();
}
