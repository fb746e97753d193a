#!/usr/bin/env bash
# Starts the sshd the ssh-transport tests log in to: 127.0.0.1:2222, user hpcuser, key auth only, client key
# and known_hosts in $CM_BACKENDS/sshd (default /tmp/cm-backends/sshd). With Slurm from .ci/slurm.sh on the
# same machine, that login node is how "Slurm over ssh" is tested. Without it those tests report skipped.
# Idempotent: ../shared/backends/ssh-up.sh installs and starts only what is missing (~0.3 s when running).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/ssh-up.sh"
if [ ! -f "$UP" ]; then
  echo "ssh.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "ssh.sh: must run as root (ssh-up.sh adds the hpcuser account and starts sshd)" >&2
  exit 1
fi
bash "$UP"
