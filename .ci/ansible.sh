#!/usr/bin/env bash
# Installs Debian's ansible-core (2.14) for test/integration/ansible-cli.test.ts and checks that
# ansible-playbook accepts a dynamic inventory (../shared/backends/ansible-check.sh; idempotent, ~12 s the
# first time, ~2 s after). The playbook test also needs the sshd on 127.0.0.1:2222 (.ci/ssh.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/../shared/backends/ansible-check.sh" >/dev/null
echo "ansible: $(/usr/bin/ansible-playbook --version | head -1)"
