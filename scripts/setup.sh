#!/bin/bash
# Install the Debian packages klp-build, its tests and the demo need.
# Idempotent: installed packages are skipped; `apt-get update` runs at most
# once per invocation and only when something is missing.
set -euo pipefail

PKGS=(
	build-essential gcc make binutils pkg-config libelf-dev zlib1g-dev
	linux-source-6.1 linux-source-6.12 xz-utils flex bison bc cpio kmod libssl-dev dwarves
	rsync patch perl python3 gzip
	qemu-system-x86 busybox-static
	bats shellcheck
)
# Extra packages can be asked for: KLPB_SETUP_EXTRA="gcc-powerpc64le-linux-gnu ..."
read -r -a extra <<<"${KLPB_SETUP_EXTRA:-}"
PKGS+=("${extra[@]}")

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "setup: all ${#PKGS[@]} packages installed"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "setup: missing packages: ${missing[*]}" >&2
	echo "setup: not root; run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "setup: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "setup: done"
