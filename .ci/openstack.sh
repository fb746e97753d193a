#!/usr/bin/env bash
# Starts the test OpenStack (Zed: Keystone on http://127.0.0.1:5100/v3, Nova with the fake virt driver,
# Glance, Neutron; admin/secret, flavor m1.tiny, image tiny, network net1) that
# src/providers/compute/openstack/*.test.ts (the ComputeProvider conformance suite, fault tests) and
# test/integration/openstack-*.test.ts run against; without it those files report themselves skipped.
# Idempotent: ../shared/backends/openstack-up.sh installs and starts only what is missing (first run
# ~3 min, a re-run ~30 s). Then the admin project's quotas are raised (idempotently) so test files running
# side by side (and the opt-in 100-server paging measurement) never meet the default limit of 10 instances.
# Needs root, like openstack-up.sh (apt-get, daemons).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/openstack-up.sh"
OS_STATE=${CM_BACKENDS:-/tmp/cm-backends}/openstack

# openstack-up.sh and heat-up.sh treat a service as running when the pid in its pidfile is alive. After a
# stop, that pid may belong to some other process by now, and the service would never be started again
# (seen here: placement stayed down). Drop pidfiles whose live process is not the service they name.
drop_stale_pidfiles() {
  local file name pid
  for file in "$OS_STATE"/run/*.pid "$OS_STATE"/heat/run/*.pid; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .pid); name=${name%.uwsgi}
    [ "$name" = neutron-lb-agent ] && name=neutron-linuxbridge-agent
    pid=$(cat "$file" 2>/dev/null) || continue
    if kill -0 "$pid" 2>/dev/null && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"; then
      rm -f "$file"
    fi
  done
}
drop_stale_pidfiles
OS_DIR=${CM_BACKENDS:-/tmp/cm-backends}/openstack
start=$(date +%s)

if [ ! -f "$UP" ]; then
  echo "openstack.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "openstack.sh: must run as root (openstack-up.sh installs packages and starts daemons)" >&2
  exit 1
fi

bash "$UP" >/dev/null || { echo "openstack.sh: first start failed; retrying once" >&2; drop_stale_pidfiles; bash "$UP" >/dev/null; }

# A project-scoped admin token, then Keystone, Nova, Glance and Neutron must answer with it.
body='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"secret"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}'
token=
for _ in $(seq 1 60); do
  token=$(curl -s -m 10 -D - -o /dev/null -H 'content-type: application/json' -d "$body" http://127.0.0.1:5100/v3/auth/tokens \
    | tr -d '\r' | awk 'tolower($1) == "x-subject-token:" {print $2}') && [ -n "$token" ] && break
  sleep 1
done
[ -n "$token" ] || { echo "openstack.sh: Keystone gives no token" >&2; exit 1; }
for url in http://127.0.0.1:8774/v2.1/flavors http://127.0.0.1:9292/v2/images http://127.0.0.1:9696/v2.0/networks; do
  code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "x-auth-token: $token" "$url")
  [ "$code" = 200 ] || { echo "openstack.sh: $url answers $code" >&2; exit 1; }
done

project=$(curl -s -m 10 -H "x-auth-token: $token" 'http://127.0.0.1:5100/v3/projects?name=admin' | sed -n 's/.*"id": *"\([0-9a-f]\{32\}\)".*/\1/p' | head -1)
quota='{"quota_set":{"instances":300,"cores":600,"ram":614400}}'
curl -s -m 30 -o /dev/null -X PUT -H "x-auth-token: $token" -H 'content-type: application/json' -H 'x-openstack-nova-api-version: 2.37' \
  -d "$quota" "http://127.0.0.1:8774/v2.1/os-quota-sets/$project" || echo "openstack.sh: could not raise the quotas (tests may hit 10 instances)" >&2

echo "openstack: Keystone, Nova, Glance, Neutron up ($OS_DIR/adminrc) in $(($(date +%s) - start)) s"

# Heat (orchestration) on top, for the `cm stack` tests; they report themselves skipped without it.
if bash "$ROOT/../shared/backends/heat-up.sh" >/dev/null; then
  echo "openstack: Heat up in $(($(date +%s) - start)) s"
else
  echo "openstack.sh: Heat did not start; the stack tests will be skipped" >&2
fi
