# shellcheck shell=bash
# shellcheck disable=SC2034 # the per-arch settings are used by qemu.sh and the tests
# Sourced helpers: the test kernel source and build caches (docs/DESIGN.md "Cache").

# KLPB_KVER selects the test kernel version (Debian linux-source-$KLPB_KVER),
# KLPB_ARCH its architecture (klp-build's -a name); set them before sourcing
# this file. Defaults: 6.1, x86_64 (the original test kernel).
KLPB_KVER=${KLPB_KVER:-6.1}
KLPB_ARCH=${KLPB_ARCH:-x86_64}
KLPB_CACHE=${KLP_BUILD_CACHE:-$HOME/.cache/klp-build}
KLPB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# kbuild's ARCH, the cross prefix and the boot image come from the project's
# one arch table (arch/arch.c), through the built create-diff-object.
_klpb_arch_info=$("$KLPB_REPO/create-diff-object/create-diff-object" --arch-info "$KLPB_ARCH" 2>&1) ||
	{ echo "kernel.sh: $KLPB_ARCH: $_klpb_arch_info (build the tools first: make)" >&2; return 1; }
KLPB_KARCH=$(sed -n 's/^kernel_arch=//p' <<<"$_klpb_arch_info")
KLPB_IMAGE=$(sed -n 's/^boot_image=//p' <<<"$_klpb_arch_info")
KLPB_CROSS=$(sed -n 's/^cross_compile=//p' <<<"$_klpb_arch_info")
[[ $KLPB_ARCH != "$(uname -m)" ]] || KLPB_CROSS=''
# The tests' own per-architecture table: the guest's static busybox, QEMU
# binary and machine, console, and boot lines known to be benign
# (test/lib/qemu.sh). ppc64le's busybox is Debian's busybox-static:ppc64el,
# unpacked by scripts/setup.sh.
case $KLPB_ARCH in
x86_64)
	KLPB_BUSYBOX=${KLPB_BUSYBOX:-/bin/busybox}
	KLPB_QEMU=${KLPB_QEMU:-qemu-system-x86_64}
	KLPB_QEMU_MACHINE=()
	KLPB_CONSOLE=ttyS0
	KLPB_DMESG_BENIGN='' ;;
ppc64le)
	KLPB_BUSYBOX=${KLPB_BUSYBOX:-$KLPB_CACHE/busybox/ppc64el/bin/busybox}
	KLPB_QEMU=${KLPB_QEMU:-qemu-system-ppc64}
	KLPB_QEMU_MACHINE=(-M "pseries,x-vof=on" -cpu POWER9)
	KLPB_CONSOLE=hvc0
	# QEMU's pseries starts with an empty NVRAM: the pseries nvram driver
	# reports it at boot with a pr_warn that says WARNING
	KLPB_DMESG_BENIGN='WARNING: nvram corruption detected: 0-length partition' ;;
s390x)
	# the SCLP VT220 console; -cpu max: every facility TCG emulates (the
	# kernel is built for z196, QEMU's default model is older)
	KLPB_BUSYBOX=${KLPB_BUSYBOX:-$KLPB_CACHE/busybox/s390x/bin/busybox}
	KLPB_QEMU=${KLPB_QEMU:-qemu-system-s390x}
	KLPB_QEMU_MACHINE=(-cpu max)
	KLPB_CONSOLE=ttysclp0
	KLPB_DMESG_BENIGN='' ;;
arm64)
	KLPB_BUSYBOX=${KLPB_BUSYBOX:-$KLPB_CACHE/busybox/arm64/bin/busybox}
	KLPB_QEMU=${KLPB_QEMU:-qemu-system-aarch64}
	KLPB_QEMU_MACHINE=(-M virt -cpu cortex-a57)
	KLPB_CONSOLE=ttyAMA0
	KLPB_DMESG_BENIGN='' ;;
arm)
	# the ARMv7 multiplatform kernel on QEMU's virt board (GIC, arch
	# timer, PSCI, PL011); Debian's armhf busybox needs VFPv3
	KLPB_BUSYBOX=${KLPB_BUSYBOX:-$KLPB_CACHE/busybox/armhf/bin/busybox}
	KLPB_QEMU=${KLPB_QEMU:-qemu-system-arm}
	KLPB_QEMU_MACHINE=(-M virt -cpu cortex-a15)
	KLPB_CONSOLE=ttyAMA0
	KLPB_DMESG_BENIGN='' ;;
*) echo "kernel.sh: no test kernel recipe for $KLPB_ARCH" >&2; return 1 ;;
esac
# make arguments for the test kernel's tree (configs, out-of-tree modules)
KLPB_MAKE_ARGS=(ARCH="$KLPB_KARCH")
[[ -z $KLPB_CROSS ]] || KLPB_MAKE_ARGS+=(CROSS_COMPILE="$KLPB_CROSS")
KLPB_TARBALL=${KLPB_TARBALL:-/usr/src/linux-source-$KLPB_KVER.tar.xz}
KLPB_TEST_SRC=$KLPB_CACHE/src/linux-source-$KLPB_KVER
# KLPB_VARIANT (optional) selects another kernel of the same arch and
# version, e.g. KLPB_VARIANT=kaslr: test/configs/$ARCH-$KVER-kaslr.config,
# built in $CACHE/test/$ARCH-$KVER-kaslr.
KLPB_VARIANT=${KLPB_VARIANT:-}
KLPB_TEST_NAME=$KLPB_ARCH-$KLPB_KVER${KLPB_VARIANT:+-$KLPB_VARIANT}
KLPB_TEST_DIR=$KLPB_CACHE/test/$KLPB_TEST_NAME
KLPB_TEST_BUILD=$KLPB_TEST_DIR/build
KLPB_TEST_CONFIG_FRAG=${KLPB_TEST_CONFIG_FRAG:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../configs" && pwd)/$KLPB_TEST_NAME.config}
# KLPB_VARIANT=debian-cloud (x86_64 6.1, make check-distro): not tinyconfig
# and a fragment but Debian's own config of the cloud-amd64 flavour from
# linux-config-$KLPB_KVER, through scripts/debian-config.sh (debian-FLAVOUR:
# config.amd64_none_FLAVOUR-amd64.xz; plain "debian": the generic amd64).
# KLPB_TEST_CONFIG_FRAG is then that .xz file (a newer package rebuilds).
KLPB_DEBIAN_FLAVOUR=""
case $KLPB_VARIANT in
debian) KLPB_DEBIAN_FLAVOUR=amd64 ;;
debian-*) KLPB_DEBIAN_FLAVOUR=${KLPB_VARIANT#debian-}-amd64 ;;
esac
if [[ -n $KLPB_DEBIAN_FLAVOUR ]]; then
	KLPB_DEBIAN_CONFIG_DIR=/usr/src/linux-config-$KLPB_KVER
	KLPB_TEST_CONFIG_FRAG=$KLPB_DEBIAN_CONFIG_DIR/config.amd64_none_$KLPB_DEBIAN_FLAVOUR.xz
fi
KLPB_DRIVER=$KLPB_REPO/klp-build/klp-build

# kernel_extract: extract the Debian tarball once into $KLPB_TEST_SRC
# (atomic: into a temporary dir, then rename). Prints the source dir.
kernel_extract() {
	if [[ -f $KLPB_TEST_SRC/Makefile ]]; then
		printf '%s\n' "$KLPB_TEST_SRC"
		return 0
	fi
	[[ -r $KLPB_TARBALL ]] || { echo "kernel_extract: $KLPB_TARBALL missing (install linux-source-$KLPB_KVER)" >&2; return 1; }
	local parent tmp
	parent=$(dirname "$KLPB_TEST_SRC")
	mkdir -p "$parent"
	tmp=$(mktemp -d "$parent/.extract.XXXXXX")
	if ! tar -C "$tmp" -xf "$KLPB_TARBALL"; then
		rm -rf "$tmp"
		echo "kernel_extract: failed to extract $KLPB_TARBALL" >&2
		return 1
	fi
	# The tarball holds one top-level directory (linux-source-$KLPB_KVER).
	local top
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
	if [[ -z $top || ! -f $top/Makefile ]]; then
		rm -rf "$tmp"
		echo "kernel_extract: unexpected tarball layout in $KLPB_TARBALL" >&2
		return 1
	fi
	if ! mv -T "$top" "$KLPB_TEST_SRC" 2>/dev/null; then
		# Lost a race with another extractor: use theirs.
		[[ -f $KLPB_TEST_SRC/Makefile ]] || { rm -rf "$tmp"; return 1; }
	fi
	rm -rf "$tmp"
	printf '%s\n' "$KLPB_TEST_SRC"
}

# kernel_test_config OUT: tinyconfig + the test fragment, run through
# olddefconfig in a scratch dir; writes the full .config to OUT and checks
# that every option of the fragment ended up as requested.  A Debian variant:
# Debian's config as scripts/debian-config.sh derives it (and checks it).
kernel_test_config() {
	local out=$1 src tmp
	src=$(kernel_extract) || return 1
	if [[ -n $KLPB_DEBIAN_FLAVOUR ]]; then
		KLPB_DEBIAN_CONFIG_DIR=$KLPB_DEBIAN_CONFIG_DIR \
			bash "$KLPB_REPO/scripts/debian-config.sh" -f "$KLPB_DEBIAN_FLAVOUR" -s "$src" "$out"
		return
	fi
	tmp=$(mktemp -d)
	if ! { make -s -C "$src" O="$tmp" "${KLPB_MAKE_ARGS[@]}" tinyconfig &&
	       KCONFIG_CONFIG=$tmp/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$tmp" \
			"$tmp/.config" "$KLPB_TEST_CONFIG_FRAG" &&
	       make -s -C "$src" O="$tmp" "${KLPB_MAKE_ARGS[@]}" olddefconfig; } >"$tmp/log" 2>&1; then
		cat "$tmp/log" >&2
		rm -rf "$tmp"
		return 1
	fi
	if ! kernel_config_check "$tmp/.config"; then
		rm -rf "$tmp"
		return 1
	fi
	cp "$tmp/.config" "$out"
	rm -rf "$tmp"
}

# kernel_config_check CONFIG: every CONFIG_X=y/m and "# CONFIG_X is not set"
# line of the fragment must be present in CONFIG.
kernel_config_check() {
	local cfg=$1 line name bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || { echo "config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset)" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			name=${line#\# }; name=${name%% *}
			if grep -qE "^$name=" "$cfg"; then echo "config: wanted $name off, got $(grep -E "^$name=" "$cfg")" >&2; bad=1; fi ;;
		esac
	done <"$KLPB_TEST_CONFIG_FRAG"
	return $bad
}

# kernel_test_build: make sure the cached test kernel exists, building it
# through the driver's own "build original" stage. Prints the build dir.
kernel_test_build() {
	local src cfg fsum
	src=$(kernel_extract) || return 1
	cfg=$KLPB_TEST_DIR/config
	# The config is made again when the fragment's content differs from
	# the one it was made from (its sha256 kept beside it), not by file
	# dates: checkouts that share the cache (a CI clone, worktrees) each
	# have their own dates, and a fragment edited before another checkout
	# rebuilt the cache looked older than it and was ignored.
	fsum=$(sha256sum <"$KLPB_TEST_CONFIG_FRAG" | cut -d' ' -f1)
	if [[ ! -f $KLPB_TEST_BUILD/.klp-build-key || ! -f $KLPB_TEST_BUILD/$KLPB_IMAGE || ! -f $cfg ]] ||
	   [[ $(cat "$cfg.fragment-sha256" 2>/dev/null) != "$fsum" ]]; then
		mkdir -p "$KLPB_TEST_DIR"
		kernel_test_config "$cfg.tmp" || return 1
		mv "$cfg.tmp" "$cfg"
		echo "$fsum" >"$cfg.fragment-sha256"
	fi
	# A fragment changed after the kernel was built: the driver refuses a
	# build dir made from another config (.klp-build-config), except from
	# the build dir's own .config, so the new config goes there and the
	# kernel is rebuilt incrementally (Kbuild rebuilds what depends on the
	# changed options); .klp-build-config then records the new config.
	local built
	built=$(sed -n 's/^config //p' "$KLPB_TEST_BUILD/.klp-build-config" 2>/dev/null || true)
	if [[ -n $built && $built != "$(sha256sum <"$cfg" | cut -d' ' -f1)" ]]; then
		echo "kernel_test_build: $KLPB_TEST_CONFIG_FRAG changed: rebuilding $KLPB_TEST_BUILD" >&2
		cp "$cfg" "$KLPB_TEST_BUILD/.config"
		"$KLPB_DRIVER" --build-original-only -a "$KLPB_ARCH" -s "$src" -c "$KLPB_TEST_BUILD/.config" \
			-b "$KLPB_TEST_BUILD" >&2 || return 1
	fi
	"$KLPB_DRIVER" --build-original-only -a "$KLPB_ARCH" -s "$src" -c "$cfg" -b "$KLPB_TEST_BUILD" >&2 || return 1
	printf '%s\n' "$KLPB_TEST_BUILD"
}
