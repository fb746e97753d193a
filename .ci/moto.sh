#!/usr/bin/env bash
# Starts moto's EC2 emulator on http://127.0.0.1:5000, which src/providers/compute/aws/aws.test.ts (the
# ComputeProvider conformance suite) and test/integration/aws-*.test.ts run against; without it those test
# files report themselves skipped. Idempotent: ../shared/backends/moto-up.sh starts moto only when it does
# not answer (a re-run costs ~0.1 s). The tests never reset moto's state (other test files may share it):
# they use unique names and delete what they create.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/moto-up.sh"
start=$(date +%s)

if [ ! -f "$UP" ]; then
  echo "moto.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2
  exit 1
fi
bash "$UP" >/dev/null
for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:${MOTO_PORT:-5000}/moto-api/" && break
  sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:${MOTO_PORT:-5000}/moto-api/" || { echo "moto.sh: moto does not answer" >&2; exit 1; }
echo "moto: EC2 emulator up on http://127.0.0.1:${MOTO_PORT:-5000} in $(($(date +%s) - start)) s"
