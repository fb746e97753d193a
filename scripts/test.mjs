// Runs every test with node's own runner: unit tests beside the code (src/**/*.test.ts) and integration
// tests (test/**/*.test.ts) that drive the built `cm`. Node 24 runs the TypeScript directly.
import { spawnSync } from 'node:child_process';

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`tests need Node >= 22 (this is ${process.versions.node}); run them through "npm test"`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=4', '--test-timeout=120000', 'src/**/*.test.ts', 'test/**/*.test.ts', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
