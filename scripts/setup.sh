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
	gcc-powerpc64le-linux-gnu qemu-system-ppc
	bats shellcheck
	afl++ clang
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

# The ppc64le test guest's busybox: Debian's busybox-static:ppc64el, unpacked
# into the cache (not installed; test/lib/qemu.sh looks for it there).
BB=${KLP_BUILD_CACHE:-$HOME/.cache/klp-build}/busybox/ppc64el
if [[ ! -x $BB/bin/busybox ]]; then
	if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
		if [[ $(id -u) -ne 0 ]]; then
			echo "setup: not root; run as root: dpkg --add-architecture ppc64el && apt-get update" >&2
			exit 1
		fi
		dpkg --add-architecture ppc64el
		apt_update
	fi
	need_candidates busybox-static:ppc64el
	tmp=$(mktemp -d)
	chmod 755 "$tmp"	# apt-get download drops privileges to _apt
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download busybox-static:ppc64el)
	dpkg-deb -x "$tmp"/busybox-static_*_ppc64el.deb "$tmp/x"
	mkdir -p "$BB/bin"
	cp "$tmp/x/bin/busybox" "$BB/bin/busybox.tmp"
	mv "$BB/bin/busybox.tmp" "$BB/bin/busybox"
	echo "setup: ppc64el busybox in $BB/bin/busybox"
fi
echo "setup: done"
