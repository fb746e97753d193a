/**
 * @module cli/entry
 * What the `cm` binary runs. `--version` answers from a constant before anything else loads, so it costs
 * little more than starting Node; everything else is imported on demand.
 */
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
