#!/usr/bin/env bash
# Starts the single-node Son of Grid Engine 8.1.9 (queue all.q) that src/providers/hpc/sge/sge.test.ts and
# test/integration/sge-cli.test.ts run against; without it those tests report themselves skipped.
# Idempotent: ../shared/backends/gridengine-up.sh installs and starts only what is missing (a fresh install
# took 11 s here, a re-run 0.04 s). Needs root, like gridengine-up.sh (apt-get, daemons).
#
# Three settings are ours, all so a busy 2-core CI machine runs test jobs in seconds:
# - all.q's slots: 8 instead of one per core. npm test runs test files four at a time, and three of them
#   (local, over ssh, cm end to end) submit sleeping jobs to this queue; with 2 slots one file's jobs
#   waited behind another's past the contract's few-second bounds. The test jobs sleep, they do not compute.
# - all.q's load threshold: Grid Engine stops scheduling onto a host whose load per core passes
#   np_load_avg=1.75 (queue state "a"), which left test jobs waiting for minutes; the queue ignores load.
# - login_shells: by default a job whose shell is bash/sh/... starts as a login shell and runs the user's
#   profile. Root's profile here runs `pyenv rehash`, which takes a lock file; a job killed meanwhile (every
#   cancel test) leaves the lock behind and each later job waits 60 s for it. Jobs start non-login shells.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/gridengine-up.sh"
start=$(date +%s.%N)

if [ ! -f "$UP" ]; then
  echo "gridengine.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "gridengine.sh: must run as root (gridengine-up.sh installs packages and starts daemons)" >&2
  exit 1
fi

# gridengine-up.sh runs a smoke job from the current directory, which must be one every user can read.
(cd /tmp && bash "$UP" >/dev/null)

STATE=${CM_BACKENDS:-/tmp/cm-backends}/gridengine
# shellcheck disable=SC1091
. "$STATE/env.sh"
QCONF=/usr/lib/gridengine/qconf
SLOTS=${GE_TEST_SLOTS:-8}
if [ "$($QCONF -sq all.q | awk '$1 == "slots" {print $2}')" != "$SLOTS" ]; then
  $QCONF -mattr queue slots "$SLOTS" all.q >/dev/null
fi
if [ "$($QCONF -sq all.q | awk '$1 == "load_thresholds" {print $2}')" != NONE ]; then
  $QCONF -rattr queue load_thresholds NONE all.q >/dev/null
fi

if [ "$($QCONF -sconf | awk '$1 == "login_shells" {print $2}')" != none ]; then
  ED=$STATE/.cm-login-shells-editor
  printf '#!/bin/sh\nexec sed -i -e "s/^login_shells .*/login_shells none/" "$1"\n' >"$ED"
  chmod 755 "$ED"
  EDITOR=$ED $QCONF -mconf >/dev/null 2>&1
fi

/usr/lib/gridengine/qstat -g c >/dev/null || { echo "gridengine.sh: qstat does not answer" >&2; exit 1; }
echo "gridengine: all.q up ($($QCONF -sq all.q | awk '$1 == "slots" {print $2}') slots) in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
