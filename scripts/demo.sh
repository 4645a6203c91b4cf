#!/bin/bash
# make demo: build examples/cmdline-hello.patch into a livepatch module for a
# tiny Debian linux-source-6.1 kernel, boot that kernel under QEMU and show
# /proc/cmdline before, with and after the patch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/kernel.sh
. "$repo/test/lib/kernel.sh"
# shellcheck source=test/lib/qemu.sh
. "$repo/test/lib/qemu.sh"

if [[ $(id -u) -eq 0 ]]; then
	bash "$repo/scripts/setup.sh"
fi
make -C "$repo" -s

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== building the tiny kernel (cached in $KLPB_CACHE; first time: several minutes)"
build=$(kernel_test_build)

echo "== klp-build"
"$repo/klp-build/klp-build" -s "$KLPB_TEST_SRC" -b "$build" -n demo_cmdline \
	-o "$work" "$repo/examples/cmdline-hello.patch"

cat >"$work/guest.sh" <<'GUEST'
echo "before:  $(cat /proc/cmdline)"
klp_insmod /klpb/demo_cmdline.ko
echo "patched: $(cat /proc/cmdline)"
klp_disable demo_cmdline
echo "disabled: $(cat /proc/cmdline)"
rmmod demo_cmdline
echo "unloaded: lsmod shows: $(lsmod | grep -c demo_cmdline || true) demo_cmdline"
GUEST

echo "== booting under QEMU (TCG)"
BATS_TEST_TMPDIR=$work qemu_test "$work/guest.sh" "$work/demo_cmdline.ko"
qemu_guest_out "$QEMU_LOG" | grep -E '^(before|patched|disabled|unloaded):'
qemu_dmesg "$QEMU_LOG" | grep -E 'livepatch|demo_cmdline' || true
