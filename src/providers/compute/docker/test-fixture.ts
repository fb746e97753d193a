/**
 * @module providers/compute/docker/test-fixture
 * What the Docker tests share (provider tests and the CLI tests in test/integration): the engine the CI
 * starts (.ci/docker.sh), its local image, and the user-defined network tests attach containers to — the
 * engine there runs without a default bridge.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SOCKET = '/var/run/docker.sock';
export const IMAGE = 'cm/busybox:local';
export const NETWORK = 'cm-test-net';

/** Why the engine cannot be used here, or false when it can. */
export function dockerDown(): false | string {
  if (!existsSync(SOCKET)) return `no Docker socket at ${SOCKET} (run .ci/docker.sh)`;
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    return `the engine at ${SOCKET} does not answer or has no ${IMAGE} (run .ci/docker.sh)`;
  }
  // The engine runs without a default bridge here (.ci/docker.sh); tests use their own network.
  try {
    execFileSync('docker', ['network', 'inspect', NETWORK], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('docker', ['network', 'create', NETWORK], { stdio: 'ignore' });
    } catch {
      // Another test file created it at the same moment: fine if it exists now.
      execFileSync('docker', ['network', 'inspect', NETWORK], { stdio: 'ignore' });
    }
  }
  return false;
}

