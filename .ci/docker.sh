#!/usr/bin/env bash
# Starts the Docker Engine 20.10 (unix socket /var/run/docker.sock, no default bridge, no iptables) with the
# local image cm/busybox:local that the docker provider, container and cluster tests use; without it those
# test files report themselves skipped. No registry is reachable: the image is imported, never pulled.
# Idempotent: ../shared/backends/docker-up.sh starts only what is not running (~0.3 s when it is).
# Also creates the user-defined network cm-test-net the tests attach containers to. Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/docker-up.sh"
start=$(date +%s)

[ -f "$UP" ] || { echo "docker.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "docker.sh: must run as root (docker-up.sh installs packages and starts dockerd)" >&2; exit 1; }

bash "$UP" >/dev/null
DOCKER=/usr/bin/docker
$DOCKER network inspect cm-test-net >/dev/null 2>&1 || $DOCKER network create cm-test-net >/dev/null
$DOCKER image inspect cm/busybox:local >/dev/null
echo "docker: engine $($DOCKER version --format '{{.Server.Version}}') up, cm/busybox:local and cm-test-net present, in $(($(date +%s) - start)) s"
