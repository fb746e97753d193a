#!/usr/bin/env bash
# Starts libvirtd + virtlogd (unix sockets only) and, by default, QEMU with KVM, for the libvirt provider
# tests: test:///default needs only virsh; qemu:///system boots real (OS-less) guests from qcow2 overlays
# made by qemu-img. Without them those test files report themselves skipped.
# LIBVIRT_QEMU=1 (the default here: /dev/kvm makes guests start in about a second) also installs
# qemu-system-x86 and qemu-utils; LIBVIRT_QEMU=0 keeps CI to the test driver (qemu-utils is still needed
# for the images). Idempotent: ../shared/backends/libvirt-up.sh starts only what is not running. Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UP="$ROOT/../shared/backends/libvirt-up.sh"
start=$(date +%s)

[ -f "$UP" ] || { echo "libvirt.sh: $UP is missing (CI keeps ../shared/ beside the clone)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "libvirt.sh: must run as root (libvirt-up.sh installs packages and starts daemons)" >&2; exit 1; }

LIBVIRT_QEMU=${LIBVIRT_QEMU:-1} bash "$UP" >/dev/null
if ! command -v qemu-img >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-utils >/dev/null
fi
# qemu:///system runs guests as libvirt-qemu: the image directory the tests use must exist and be reachable.
mkdir -p /var/lib/libvirt/images && chmod 755 /var/lib/libvirt/images
virsh -c test:///default uri >/dev/null
echo "libvirt: $(virsh --version) up (qemu:///system: $(virsh -c qemu:///system uri 2>/dev/null || echo 'not running'), kvm: $([ -e /dev/kvm ] && echo yes || echo no)) in $(($(date +%s) - start)) s"
