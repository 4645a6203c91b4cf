#!/usr/bin/env bats
# make check-distro (issue 13, "Real configs"): klp-build against Debian's
# own kernel config, not a tiny test config.  x86_64 Linux 6.1 (Debian
# linux-source-6.1) with the cloud-amd64 config of Debian's linux-config-6.1
# (scripts/debian-config.sh: 1581 =y, 1119 =m; MODVERSIONS, MODULE_SIG,
# DEBUG_INFO/BTF, retpolines, return thunks, SLS, stack protector), built
# once by the driver's own "build original" stage into
# $CACHE/test/x86_64-6.1-debian-cloud/build (1.5-2.5 h on 2 cores).  Not part
# of make check or make check-all: the build is too long for CI.
#
# The kernel boots under QEMU (TCG) with the busybox initramfs of the other
# tests; the modules it needs come from the build dir, stripped of debug
# info and signed with the build's own key like `make modules_install`
# does, and so is each patch module (what a user of a kernel with
# CONFIG_MODULE_SIG does with their key): no "module verification failed".
#
# KLPB_DISTRO_VARIANT=VARIANT runs the same cases on another x86_64 6.1
# test kernel: tiny-debian (test/configs/x86_64-6.1-tiny-debian.config) is
# the tiny test kernel with the code generation and module options of
# Debian's config, built in about 15 min.
# KLPB_DISTRO_KVER=6.12 (make check-distro-6.12): Linux 6.12
# (linux-source-6.12) with the cloud-amd64 config of linux-config-6.12, its
# own build dir x86_64-6.12-debian-cloud; the overlay patch of 6.12 changes
# the same function, moved to fs/overlayfs/params.c.

KLPB_ARCH=x86_64
KLPB_KVER=${KLPB_DISTRO_KVER:-6.1}
KLPB_VARIANT=${KLPB_DISTRO_VARIANT:-debian-cloud}
# a distribution kernel takes longer to boot under TCG than the tiny ones
KLPB_QEMU_TIMEOUT=${KLPB_QEMU_TIMEOUT:-400}
load ../lib/bats-common
# the overlay patch of this version (6.12 moved ovl_show_options to params.c)
OVERLAY_PATCH=$KLPB_REPO/test/distro/patches/overlay-show-options.patch
OVERLAY_OBJ=fs/overlayfs/super.o
if [[ $KLPB_KVER != 6.1 ]]; then
	OVERLAY_PATCH=$KLPB_REPO/test/distro/patches/overlay-show-options-$KLPB_KVER.patch
	OVERLAY_OBJ=fs/overlayfs/params.o
fi

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

# sign_module KO: strip the debug info (a copy of a build dir's module) and
# sign it with the build's key (scripts/sign-file, certs/signing_key.*), when
# the kernel has CONFIG_MODULE_SIG
sign_module() {
	grep -qx 'CONFIG_MODULE_SIG=y' "$KLPB_TEST_BUILD/.config" || return 0
	"$KLPB_TEST_BUILD/scripts/sign-file" sha256 "$KLPB_TEST_BUILD/certs/signing_key.pem" \
		"$KLPB_TEST_BUILD/certs/signing_key.x509" "$1"
}

# build_modules NAME: copy the build's NAME.ko and the modules it depends on
# (modinfo depends, found through modules.order) into BATS_TEST_TMPDIR/mods,
# without debug info, signed; MODS_LOAD: their names in load order
build_modules() {
	local rel ko deps d
	[[ " ${MODS_LOAD:-} " != *" $1 "* ]] || return 0
	rel=$(grep -E "(^|/)$1\.(ko|o)\$" "$KLPB_TEST_BUILD/modules.order") ||
		{ echo "$1 is not a module of $KLPB_TEST_BUILD" >&2; return 1; }
	mkdir -p "$BATS_TEST_TMPDIR/mods"
	ko=$BATS_TEST_TMPDIR/mods/$1.ko
	strip --strip-debug -o "$ko" "$KLPB_TEST_BUILD/${rel%.*}.ko"
	deps=$(modinfo -F depends "$ko")
	for d in ${deps//,/ }; do
		build_modules "$d" || return 1
	done
	sign_module "$ko"
	MODS_LOAD="${MODS_LOAD:-} $1"
}

# distro_dmesg_clean: dmesg clean, and no module loaded unsigned
distro_dmesg_clean() {
	qemu_dmesg_clean "$QEMU_LOG"
	refute_grep 'module verification failed|Unrecoverable|livepatch: .*(failed|error)|BTF.*(fail|error|mismatch)' "$(qemu_dmesg "$QEMU_LOG")"
}

# taint_ok: after the patch module loaded the kernel is tainted as
# livepatched (K), and no module was loaded unsigned (E)
taint_ok() {
	local t
	t=$(guest_after tainted)
	[[ $t =~ ^[0-9]+$ ]] || { echo "tainted: '$t'" >&2; return 1; }
	(( t & 32768 )) || { echo "tainted $t: no TAINT_LIVEPATCH (K)" >&2; return 1; }
	(( (t & 8192) == 0 )) || { echo "tainted $t: an unsigned module was loaded (E)" >&2; return 1; }
}

@test "the build config is Debian's: every =y/=m option of linux-config-$KLPB_KVER's cloud-amd64 config is in the build" {
	[[ -n $KLPB_DEBIAN_FLAVOUR ]] || skip "not a Debian config ($KLPB_VARIANT)"
	local want lost
	want=$(xz -dc "$KLPB_TEST_CONFIG_FRAG" | grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$')
	[[ $(wc -l <<<"$want") -gt 2500 ]]
	lost=$(grep -vxFf "$KLPB_TEST_BUILD/.config" <<<"$want" || true)
	[[ -z $lost ]] || { echo "options of Debian's config missing from the build: $lost"; false; }
	# what makes this config unlike the tiny ones (module versions and
	# signatures, debug info and BTF, the mitigations' code generation)
	# (6.12 renamed the mitigations' options MITIGATION_*)
	local m=""
	[[ $KLPB_KVER == 6.1 ]] || m=MITIGATION_
	for o in MODVERSIONS MODULE_SIG DEBUG_INFO DEBUG_INFO_BTF_MODULES ${m}RETPOLINE ${m}RETHUNK ${m}SLS STACKPROTECTOR_STRONG; do
		grep -qx "CONFIG_$o=y" "$KLPB_TEST_BUILD/.config" || { echo "CONFIG_$o=y missing"; false; }
	done
	grep -qx 'CONFIG_OVERLAY_FS=m' "$KLPB_TEST_BUILD/.config"
}

@test "vmlinux: one changed function (cmdline_proc_show), signed module, booted: patched, disabled, unloaded, clean dmesg" {
	klpb d_cmdline "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed fs/proc/cmdline.o cmdline_proc_show"
	sign_module "$BATS_TEST_TMPDIR/out/d_cmdline.ko"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { cat /proc/cmdline; }
mark before; check
klp_insmod /klpb/d_cmdline.ko; rc=$?; mark insmod-rc; echo $rc
mark after; check
mark tainted; cat /proc/sys/kernel/tainted
klp_disable d_cmdline; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod d_cmdline; rc=$?; mark rmmod-rc; echo $rc
mark removed; check
mark lsmod; lsmod | grep -c d_cmdline
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/d_cmdline.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == *console=ttyS0* ]]
	assert_guest_lacks before klpb_one_function
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == *console=ttyS0*" klpb_one_function" ]]
	taint_ok
	[[ $(guest_after disable-rc) == 0 ]]
	assert_guest_lacks disabled klpb_one_function
	[[ $(guest_after rmmod-rc) == 0 ]]
	assert_guest_lacks removed klpb_one_function
	[[ $(guest_after lsmod) == 0 ]]
	distro_dmesg_clean
}

# the overlay mount's line of /proc/mounts: ovl_show_options (fs/overlayfs/
# super.c, overlay.ko) writes its options
OVL_GUEST='mkdir -p /tmp/l1 /tmp/l2 /tmp/m
check() { grep " /tmp/m overlay " /proc/mounts || echo "no overlay mount"; }
ovl_mount() { mount -t overlay overlay -o lowerdir=/tmp/l1:/tmp/l2 /tmp/m; rc=$?; mark mount-rc; echo $rc; }'

@test "module (=m): ovl_show_options of overlay.ko, loaded before the patch: /proc/mounts patched, disabled, unloaded, clean dmesg" {
	klpb d_overlay "$OVERLAY_PATCH"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed $OVERLAY_OBJ ovl_show_options"
	sign_module "$BATS_TEST_TMPDIR/out/d_overlay.ko"
	build_modules overlay
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$OVL_GUEST
rc=0; for m in $MODS_LOAD; do insmod /klpb/mods/\$m.ko || { rc=\$?; break; }; done; mark overlay-rc; echo \$rc
ovl_mount
mark before; check
klp_insmod /klpb/d_overlay.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark objects; ls /sys/kernel/livepatch/d_overlay | grep -v -e enabled -e transition -e force -e replace | sort | tr '\n' ' '; echo
mark tainted; cat /proc/sys/kernel/tainted
klp_disable d_overlay; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod d_overlay; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
umount /tmp/m; rmmod overlay; rc=\$?; mark overlay-rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/d_overlay.ko" "$BATS_TEST_TMPDIR/mods"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after overlay-rc) == 0 ]]
	[[ $(guest_after mount-rc) == 0 ]]
	[[ $(guest_after before) == "overlay /tmp/m overlay "*lowerdir=/tmp/l1:/tmp/l2*" 0 0" ]]
	assert_guest_lacks before klpb_
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "overlay /tmp/m overlay "*lowerdir=/tmp/l1:/tmp/l2*",klpb_overlay_patched 0 0" ]]
	[[ $(guest_after objects) == "overlay " ]]
	taint_ok
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "$(guest_after before)" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "$(guest_after before)" ]]
	[[ $(guest_after overlay-rmmod-rc) == 0 ]]
	distro_dmesg_clean
}

@test "module (=m): the same patch, overlay.ko loaded after it (late patching), and unloaded while patched" {
	klpb d_overlay_late "$OVERLAY_PATCH"
	echo "$output"
	[ "$status" -eq 0 ]
	sign_module "$BATS_TEST_TMPDIR/out/d_overlay_late.ko"
	build_modules overlay
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$OVL_GUEST
klp_insmod /klpb/d_overlay_late.ko; rc=\$?; mark insmod-rc; echo \$rc
rc=0; for m in $MODS_LOAD; do insmod /klpb/mods/\$m.ko || { rc=\$?; break; }; done; mark overlay-rc; echo \$rc
klp_wait_transition d_overlay_late
ovl_mount
mark after; check
umount /tmp/m; rmmod overlay; rc=\$?; mark overlay-rmmod-rc; echo \$rc
klp_disable d_overlay_late; rc=\$?; mark disable-rc; echo \$rc
rmmod d_overlay_late; rc=\$?; mark rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/d_overlay_late.ko" "$BATS_TEST_TMPDIR/mods"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after overlay-rc) == 0 ]]
	[[ $(guest_after mount-rc) == 0 ]]
	[[ $(guest_after after) == "overlay /tmp/m overlay "*",klpb_overlay_patched 0 0" ]]
	[[ $(guest_after overlay-rmmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	distro_dmesg_clean
}
