#!/bin/bash
# Install the Debian packages klp-build, its tests and the demo need.
# Idempotent: installed packages are skipped; `apt-get update` runs at most
# once per invocation and only when something is missing.
set -euo pipefail

PKGS=(
	build-essential gcc make binutils pkg-config libelf-dev zlib1g-dev
	linux-source-6.1 linux-source-6.12 linux-config-6.1 linux-config-6.12 xz-utils flex bison bc cpio kmod libssl-dev dwarves
	rsync patch perl python3 gzip
	qemu-system-x86 busybox-static
	gcc-powerpc64le-linux-gnu qemu-system-ppc
	gcc-s390x-linux-gnu qemu-system-misc
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-system-arm
	bats shellcheck time
	afl++ clang
	# --cc-wrapper's tests (12-driver-ccache.bats) run the compiles through them
	ccache distcc
)
# Extra packages can be asked for: KLPB_SETUP_EXTRA="gcc-powerpc64le-linux-gnu ..."
read -r -a extra <<<"${KLPB_SETUP_EXTRA:-}"
PKGS+=("${extra[@]}")

# apt-get update fails as a whole when one index fails, even a foreign-arch
# index nobody needs (seen: "File has unexpected size ... Mirror sync in
# progress?" on bookworm-security's ppc64el index, for hours).  Retry a few
# times; if it still fails, go on with the indexes that did download and let
# need_candidates name any package that really has no source.
apt_update() {
	local try
	for try in 1 2 3; do
		if apt-get update; then
			return 0
		fi
		echo "setup: apt-get update failed (try $try of 3)" >&2
		[[ $try -eq 3 ]] || sleep $((try * 5))
	done
	echo "setup: warning: continuing with the package indexes that did download" >&2
}

# need_candidates PKG...: fail naming the packages apt cannot install.
need_candidates() {
	local p policy none=()
	for p in "$@"; do
		policy=$(apt-cache policy "$p" 2>/dev/null) || policy=
		if [[ $policy != *"Candidate: "[!\(]* ]]; then
			none+=("$p")
		fi
	done
	if [[ ${#none[@]} -gt 0 ]]; then
		echo "setup: error: no installable version of: ${none[*]} (package index incomplete? see the apt-get update errors above)" >&2
		exit 1
	fi
}

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "setup: all ${#PKGS[@]} packages installed"
else
	if [[ $(id -u) -ne 0 ]]; then
		echo "setup: missing packages: ${missing[*]}" >&2
		echo "setup: not root; run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_update
	need_candidates "${missing[@]}"
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The foreign test guests' busybox: Debian's busybox-static:<debarch>,
# unpacked into the cache (not installed; test/lib/kernel.sh looks for it
# there): ppc64el for ppc64le, s390x for s390x, arm64 for arm64, armhf for
# arm.
SETUP_TMP=""
trap '[[ -z $SETUP_TMP ]] || rm -rf "$SETUP_TMP"' EXIT
foreign_busybox() {
	local debarch=$1 bb tmp
	bb=${KLP_BUILD_CACHE:-$HOME/.cache/klp-build}/busybox/$debarch
	[[ ! -x $bb/bin/busybox ]] || return 0
	if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
		if [[ $(id -u) -ne 0 ]]; then
			echo "setup: not root; run as root: dpkg --add-architecture $debarch && apt-get update" >&2
			exit 1
		fi
		dpkg --add-architecture "$debarch"
		apt_update
	fi
	need_candidates "busybox-static:$debarch"
	tmp=$(mktemp -d)
	SETUP_TMP=$tmp
	chmod 755 "$tmp"	# apt-get download drops privileges to _apt
	(cd "$tmp" && apt-get download "busybox-static:$debarch")
	dpkg-deb -x "$tmp"/busybox-static_*_"$debarch".deb "$tmp/x"
	mkdir -p "$bb/bin"
	cp "$tmp/x/bin/busybox" "$bb/bin/busybox.tmp"
	mv "$bb/bin/busybox.tmp" "$bb/bin/busybox"
	rm -rf "$tmp"
	SETUP_TMP=""
	echo "setup: $debarch busybox in $bb/bin/busybox"
}
foreign_busybox ppc64el
foreign_busybox s390x
foreign_busybox arm64
foreign_busybox armhf
echo "setup: done"
