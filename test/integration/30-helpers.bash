# shellcheck shell=bash
# The cases of the patch-author helper tests (include/), shared by
# 30-helpers.bats (Linux 6.1), 41-helpers-6.12.bats, the ppc64le files
# 50/51-ppc64le-*.bats and the arm64 files 60/61-arm64-*.bats (all but
# hc_headers, which checks x86_64 wrappers; arm64: callbacks, shadow):
# each hc_* function is one @test body, run against the test kernel that
# test/lib/kernel.sh selects (KLPB_ARCH, KLPB_KVER).  The patches (patches/3*.patch) apply to both
# versions.
# shellcheck disable=SC2016,SC2034,SC2154 # guest scripts are literal; bats run/vars

# Guest helper: a marker in the kernel log, to order dmesg lines against
# the steps of the guest script.
KMARK='kmark() { echo "klpb_mark: $*" > /dev/kmsg; }'

# dmesg_seq PATTERN: the dmesg lines matching "klpb_mark: " or PATTERN,
# without timestamps, joined by "|"
dmesg_seq() {
	qemu_dmesg "$QEMU_LOG" | grep -oE "(klpb_mark: |$1).*" | tr '\n' '|'
}

# sec_size ELF NAME: size (hex, as readelf prints it) of section NAME
sec_size() {
	readelf -SW "$1" | awk -v n="$2" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 4) }'
}

# kmod_compile DIR FILE.o [CFLAGS]: compile DIR/FILE.c against the test
# kernel's build as an external module object, with the helpers' include dir
kmod_compile() {
	local dir=$1 obj=$2
	printf 'obj-m := %s\nccflags-y := -I%s %s\n' "$obj" "$KLPB_REPO/include" "${3:-}" >"$dir/Kbuild"
	run make -C "$KLPB_TEST_BUILD" "${KLPB_MAKE_ARGS[@]}" M="$dir" "$obj"
}

# helper headers compile against the test kernel; records and syscall wrappers are right
hc_headers() {
	local d=$BATS_TEST_TMPDIR/hdr
	mkdir -p "$d"
	cat >"$d/h.c" <<'C'
#include <linux/module.h>
#include <linux/livepatch_helpers.h>
#include "kpatch-macros.h"
#include "kpatch-syscall.h"

static int pre(struct klp_object *obj) { return obj->name ? 1 : 0; }
static void post(struct klp_object *obj) { }
static void kpre_unpatch(patch_object *obj) { KPATCH_PRINTK("x %s\n", obj->name); }
static void kpost_unpatch(patch_object *obj) { }
KLP_PRE_PATCH_CALLBACK(pre);
KLP_POST_PATCH_CALLBACK(post);
KLP_PRE_UNPATCH_CALLBACK(post);
KLP_POST_UNPATCH_CALLBACK(post);
KPATCH_PRE_UNPATCH_CALLBACK(kpre_unpatch);
KPATCH_POST_UNPATCH_CALLBACK(kpost_unpatch)
KPATCH_IGNORE_FUNCTION(pre)
KPATCH_IGNORE_SECTION(".text.klpb_h");
KPATCH_FORCE_UNSAFE(post);

KLP_SYSCALL_DEFINE0(klpb_h0) { return 0; }
KLP_SYSCALL_DEFINE1(klpb_h1, int, a) { return a; }
KLP_SYSCALL_DEFINE2(klpb_h2, int, a, long, b) { return a + b; }
KLP_SYSCALL_DEFINE3(klpb_h3, int, a, long, b, unsigned int, c) { return a + b + c; }
KLP_SYSCALL_DEFINE4(klpb_h4, int, a, long, b, unsigned int, c, char __user *, d) { return a + b + c + !d; }
KLP_SYSCALL_DEFINE5(klpb_h5, int, a, long, b, unsigned int, c, char __user *, d, u64, e) { return a + b + c + !d + e; }
KLP_SYSCALL_DEFINE6(klpb_h6, int, a, long, b, unsigned int, c, char __user *, d, u64, e, short, f) { return a + b + c + !d + e + f; }
KPATCH_SYSCALL_DEFINE2(klpb_k2, int, a, int, b) { return a - b; }

static int sc_target(int x) { return x + 1; }
DEFINE_STATIC_CALL(klpb_h_sc, sc_target);
int klpb_h_use(int x);
int klpb_h_use(int x) { return KLP_STATIC_CALL(klpb_h_sc)(x); }
MODULE_LICENSE("GPL");
C
	kmod_compile "$d" h.o
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *warning:* ]]
	# 6 callback records of 24 bytes, each fn relocated by R_X86_64_64 at +8
	[[ $(sec_size "$d/h.o" .klp.callbacks) == 000090 ]]
	[[ $(readelf -rW "$d/h.o" | sed -n '/\.rela\.klp\.callbacks/,/^$/p' | grep -c R_X86_64_64) == 6 ]]
	local off
	for off in $(readelf -rW "$d/h.o" | sed -n '/\.rela\.klp\.callbacks/,/^$/p' | awk '/R_X86_64_64/ { print $1 }'); do
		[[ $((16#$off % 24)) == 8 ]]
	done
	for s in .klpb.ignore.functions .klpb.ignore.sections .klpb.force; do
		[[ $(sec_size "$d/h.o" "$s") == 000008 ]]
	done
	# the bodies are inlined into the traced entry wrappers
	for n in klpb_h0 klpb_h1 klpb_h2 klpb_h3 klpb_h4 klpb_h5 klpb_h6 klpb_k2; do
		readelf -sW "$d/h.o" | grep -qE " FUNC +GLOBAL .* __x64_sys_$n\$"
	done
	refute_grep '__klpb_(do|se)_sys|__do_sys_|__se_sys_' "$(readelf -sW "$d/h.o")"
	objdump -dr "$d/h.o" | sed -n '/<__x64_sys_klpb_h3>:/,/^$/p' | grep -q __fentry__

	# with IA32 emulation, an __ia32_sys_ wrapper too (forced on after the
	# kernel headers, which need the real option to compile)
	cat >"$d/i.c" <<'C'
#include <linux/module.h>
#include <linux/syscalls.h>
#define CONFIG_IA32_EMULATION 1
#include <linux/livepatch_helpers.h>
KLP_SYSCALL_DEFINE0(klpb_i0) { return 0; }
KLP_SYSCALL_DEFINE3(klpb_i3, int, a, long, b, unsigned int, c) { return a + b + c; }
MODULE_LICENSE("GPL");
C
	kmod_compile "$d" i.o
	echo "$output"
	[ "$status" -eq 0 ]
	for n in __x64_sys_klpb_i0 __ia32_sys_klpb_i0 __x64_sys_klpb_i3 __ia32_sys_klpb_i3; do
		readelf -sW "$d/i.o" | grep -qE " FUNC +GLOBAL .* $n\$"
	done

	# a callback with the wrong signature is a compile error that says so
	cat >"$d/bad.c" <<'C'
#include <linux/module.h>
#include <linux/livepatch_helpers.h>
static void not_pre(struct klp_object *obj) { }
KLP_PRE_PATCH_CALLBACK(not_pre);
MODULE_LICENSE("GPL");
C
	kmod_compile "$d" bad.o
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "not_pre: wrong signature for a pre-patch callback"
}

# callbacks: pre/post patch on load, pre/post unpatch on disable, in order
hc_callbacks() {
	klpb t_cb "$PATCHDIR/30-cmdline-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
check() { cat /proc/cmdline; }
mark before; check
kmark insmod
klp_insmod /klpb/t_cb.ko; rc=\$?; mark insmod-rc; echo \$rc
kmark loaded
mark after; check
kmark disable
klp_disable t_cb; rc=\$?; mark disable-rc; echo \$rc
kmark disabled
mark disabled; check
rmmod t_cb; rc=\$?; mark rmmod-rc; echo \$rc
kmark removed
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_cb.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	assert_guest_lacks before klpb_callbacks
	[[ $(guest_after after) == *console=$KLPB_CONSOLE*" klpb_callbacks" ]]
	assert_guest_lacks disabled klpb_callbacks
	assert_guest_lacks removed klpb_callbacks
	expect_eq "callbacks in dmesg" "$(dmesg_seq 'klpb_cb: ')" \
		"klpb_mark: insmod|klpb_cb: pre_patch vmlinux|klpb_cb: post_patch vmlinux|klpb_mark: loaded|klpb_mark: disable|klpb_cb: pre_unpatch vmlinux|klpb_cb: post_unpatch vmlinux|klpb_mark: disabled|klpb_mark: removed|"
	qemu_dmesg_clean "$QEMU_LOG"
}

# shadow variables: klp_shadow_* allocated in one patched function, freed in another
# A patched function whose copies differ between the kernel's build and the
# diff build (issue 15): proc_pid_status (fs/proc/array.c) counts its reads
# per task in a shadow variable that release_task (kernel/exit.c) frees; its
# inlined task_sig() calls collect_sigign_sigcatch, an IPA clone that the
# ppc64le module-model compile names collect_sigign_sigcatch.constprop.0
# and vmlinux ...constprop.0.isra.0.  Every livepatch symbol of the module
# must exist in vmlinux; the signal masks stay what the kernel reports.
hc_status_shadow() {
	local st
	klpb p_status "$PATCHDIR/41-array-status-shadow.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed fs/proc/array.o proc_pid_status"
	assert_output_has "changed kernel/exit.o release_task"
	if [[ $KLPB_ARCH == arm64 ]]; then
		# the in-module core: references to vmlinux are plain relocations
		refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$BATS_TEST_TMPDIR/out/p_status.ko")"
	else
		assert_klp_syms_in_vmlinux "$BATS_TEST_TMPDIR/out/p_status.ko"
	fi
	if [[ $KLPB_ARCH == ppc64le ]]; then
		# the clone the diff build calls is carried, not named
		assert_output_has "copied fs/proc/array.o collect_sigign_sigcatch"
		refute_grep collect_sigign "$(klp_syms "$BATS_TEST_TMPDIR/out/p_status.ko" vmlinux)"
	fi
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
st() { grep -E '^(SigIgn|SigCgt|KlpbStatusReads)' /proc/1/status | tr -s '\t\n' '  '; echo; }
mark before; st
klp_insmod /klpb/p_status.ko; rc=$?; mark insmod-rc; echo $rc
mark read1; st
mark read2; st
# a child reads its own status and exits: release_task frees its counter
mark child; sh -c 'grep KlpbStatusReads /proc/$$/status | tr -s "\t" " "'
mark child2; sh -c 'grep KlpbStatusReads /proc/$$/status | tr -s "\t" " "'
klp_disable p_status; rc=$?; mark disable-rc; echo $rc
mark disabled; st
rmmod p_status; rc=$?; mark rmmod-rc; echo $rc
mark removed; st
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/p_status.ko"
	qemu_guest_out "$QEMU_LOG"
	st=$(guest_after before)
	[[ $st =~ ^SigIgn:\ [0-9a-f]{16}\ SigCgt:\ [0-9a-f]{16}\ $ ]] ||
		{ echo "unexpected status lines before the patch: '$st'" >&2; return 1; }
	expect_eq "insmod" "$(guest_after insmod-rc)" 0
	expect_eq "first read counts 1, masks unchanged" "$(guest_after read1)" "${st}KlpbStatusReads: 1 "
	expect_eq "second read counts 2" "$(guest_after read2)" "${st}KlpbStatusReads: 2 "
	expect_eq "a new task counts from 1" "$(guest_after child)" "KlpbStatusReads: 1"
	expect_eq "another new task counts from 1" "$(guest_after child2)" "KlpbStatusReads: 1"
	expect_eq "disable" "$(guest_after disable-rc)" 0
	expect_eq "disabled" "$(guest_after disabled)" "$st"
	expect_eq "rmmod" "$(guest_after rmmod-rc)" 0
	expect_eq "removed" "$(guest_after removed)" "$st"
	qemu_dmesg_clean "$QEMU_LOG"
}

hc_shadow() {
	klpb t_shadow "$PATCHDIR/31-shadow-variables.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
reads() { grep -o 'klpb_shadow=[0-9]*' /proc/cmdline || echo none; }
freed() { grep -o 'klpb_shadow_freed=[0-9]*' /proc/version || echo none; }
mark before; echo "$(reads) $(freed)"
klp_insmod /klpb/t_shadow.ko; rc=$?; mark insmod-rc; echo $rc
mark read1; reads
mark read2; reads
mark free1; freed
mark free2; freed
mark read3; reads
klp_disable t_shadow; rc=$?; mark disable-rc; echo $rc
mark disabled; echo "$(reads) $(freed)"
rmmod t_shadow; rc=$?; mark rmmod-rc; echo $rc
mark removed; echo "$(reads) $(freed)"
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_shadow.ko"
	qemu_guest_out "$QEMU_LOG"
	expect_eq before "$(guest_after before)" "none none"
	[[ $(guest_after insmod-rc) == 0 ]]
	expect_eq "first read allocates" "$(guest_after read1)" "klpb_shadow=1"
	expect_eq "second read finds it" "$(guest_after read2)" "klpb_shadow=2"
	expect_eq "the other function frees it" "$(guest_after free1)" "klpb_shadow_freed=2"
	expect_eq "freed" "$(guest_after free2)" "none"
	expect_eq "allocated again" "$(guest_after read3)" "klpb_shadow=1"
	[[ $(guest_after disable-rc) == 0 ]]
	expect_eq disabled "$(guest_after disabled)" "none none"
	[[ $(guest_after rmmod-rc) == 0 ]]
	expect_eq removed "$(guest_after removed)" "none none"
	qemu_dmesg_clean "$QEMU_LOG"
}

# kpatch-style patch (#include "kpatch-macros.h", KPATCH_*_CALLBACK, patch_object, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)
hc_kpatch_callbacks() {
	klpb t_kpatch "$PATCHDIR/32-kpatch-style-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
check() { grep -o '^klpb_kpatch_style Linux' /proc/version || echo none; }
mark before; check
kmark insmod
klp_insmod /klpb/t_kpatch.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
kmark disable
klp_disable t_kpatch; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod t_kpatch; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_kpatch.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == none ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_kpatch_style Linux" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == none ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == none ]]
	expect_eq "kpatch callbacks in dmesg" "$(dmesg_seq 'klpb_kpatch: ')" \
		"klpb_mark: insmod|klpb_kpatch: pre_patch vmlinux|klpb_kpatch: post_patch vmlinux|klpb_mark: disable|klpb_kpatch: pre_unpatch vmlinux|klpb_kpatch: post_unpatch vmlinux|"
	qemu_dmesg_clean "$QEMU_LOG"
}

# KPATCH_IGNORE_FUNCTION: the ignored function's change is left out
hc_kpatch_ignore_function() {
	klpb t_ign "$PATCHDIR/36-kpatch-ignore-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed fs/proc/version.o version_proc_show"
	[[ $output != *"fs/proc/cmdline.o cmdline_proc_show"* ]]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { echo "$(grep -c klpb_ignored /proc/cmdline) $(grep -c klpb_not_ignored /proc/version)"; }
mark before; check
klp_insmod /klpb/t_ign.ko; rc=$?; mark insmod-rc; echo $rc
mark after; check
klp_disable t_ign; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod t_ign; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_ign.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == "0 0" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "0 1" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "0 0" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# KPATCH_IGNORE_SECTION: a changed data section that would be refused is ignored
hc_kpatch_ignore_section() {
	# 07-panic-data.patch alone is refused (changed initialised data)
	klpb t_igs "$PATCHDIR/37-kpatch-ignore-section.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "kernel/panic.o: section .data.panic_timeout: changes ignored (KPATCH_IGNORE_SECTION)"
	assert_output_has "changed fs/proc/cmdline.o cmdline_proc_show"
	[[ $(grep -c '^klp-build:   \(changed\|new\|copied\) ' <<<"$output") == 1 ]]
	[ -f "$BATS_TEST_TMPDIR/out/t_igs.ko" ]
}

# syscalls replaced with KLP_SYSCALL_DEFINE1 (newuname: uname -m) and KLP_SYSCALL_DEFINE0 (getppid)
hc_syscalls() {
	# the entry wrappers (with an ftrace site) are what gets patched: on
	# x86_64 those of KLP_SYSCALL_DEFINEn, elsewhere the kernel's own (the
	# body, inlined into __do_sys_*, is patched through its caller):
	# ppc64le has plain sys_*; s390x has __s390x_sys_*, which on 6.1 is
	# for syscalls with arguments an alias of __se_sys_* (the name patched)
	local e=sys_ e1=sys_
	case $KLPB_ARCH in
	x86_64) e=__x64_sys_ e1=__x64_sys_ ;;
	s390x)
		e=__s390x_sys_ e1=__s390x_sys_
		[[ $KLPB_KVER != 6.1 ]] || e1=__se_sys_ ;;
	esac
	klpb t_sys "$PATCHDIR/33-syscalls-newuname-getppid.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed kernel/sys.o ${e1}newuname"
	assert_output_has "changed kernel/sys.o ${e}getppid"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
# uname(2) -> newuname; a child shell's $PPID (getppid) minus its parent's pid
check() { echo "$(uname -m) $(sh -c 'sh -c "echo \$PPID"; echo $$' | { read -r c; read -r p; echo $((c - p)); })"; }
mark before; check
klp_insmod /klpb/t_sys.ko; rc=$?; mark insmod-rc; echo $rc
mark after; check
mark all; uname -a
mark funcs; ls /sys/kernel/livepatch/t_sys/vmlinux | grep , | sort | tr '\n' ' '; echo
klp_disable t_sys; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod t_sys; rc=$?; mark rmmod-rc; echo $rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_sys.ko"
	qemu_guest_out "$QEMU_LOG"
	expect_eq before "$(guest_after before)" "$KLPB_ARCH 0"
	[[ $(guest_after insmod-rc) == 0 ]]
	expect_eq after "$(guest_after after)" "klpb_syscall 100000"
	[[ $(guest_after all) == Linux*klpb_syscall* ]]
	[[ $(guest_after funcs) =~ ^${e}getppid,[0-9]+\ ${e1}newuname,[0-9]+\ $ ]]
	[[ $(guest_after disable-rc) == 0 ]]
	expect_eq disabled "$(guest_after disabled)" "$KLPB_ARCH 0"
	[[ $(guest_after rmmod-rc) == 0 ]]
	expect_eq removed "$(guest_after removed)" "$KLPB_ARCH 0"
	qemu_dmesg_clean "$QEMU_LOG"
}

# callbacks of a module object run when the module loads after the patch (object with callbacks only)
hc_module_callbacks() {
	klpb t_modcb "$PATCHDIR/34-configs-module-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
kmark insmod
klp_insmod /klpb/t_modcb.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; grep -c klpb_modcb /proc/cmdline
kmark configs
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
klp_wait_transition t_modcb
kmark configs-loaded
kmark disable
klp_disable t_modcb; rc=\$?; mark disable-rc; echo \$rc
kmark disabled
mark disabled; grep -c klpb_modcb /proc/cmdline
rmmod t_modcb; rc=\$?; mark rmmod-rc; echo \$rc
rmmod configs; rc=\$?; mark configs-rmmod-rc; echo \$rc
kmark removed
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_modcb.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == 1 ]]
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after configs-rmmod-rc) == 0 ]]
	expect_eq "module callbacks in dmesg" "$(dmesg_seq 'klpb_modcb: ')" \
		"klpb_mark: insmod|klpb_mark: configs|klpb_modcb: pre_patch configs|klpb_modcb: post_patch configs|klpb_mark: configs-loaded|klpb_mark: disable|klpb_modcb: pre_unpatch configs|klpb_modcb: post_unpatch configs|klpb_mark: disabled|klpb_mark: removed|"
	qemu_dmesg_clean "$QEMU_LOG"
}

# a failing pre-patch callback fails the load; nothing is patched
hc_pre_patch_fails() {
	klpb t_fail "$PATCHDIR/35-cmdline-pre-patch-fails.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
insmod /klpb/t_fail.ko; rc=$?; mark insmod-rc; echo $rc
mark after; grep -c klpb_must_not_appear /proc/cmdline
mark sysfs; ls /sys/kernel/livepatch 2>/dev/null | grep -c t_fail
mark lsmod; grep -c '^t_fail ' /proc/modules
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_fail.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb|livepatch|t_fail' || true
	[[ $(guest_after insmod-rc) =~ ^[1-9][0-9]*$ ]]
	[[ $(guest_after after) == 0 ]]
	[[ $(guest_after sysfs) == 0 ]]
	[[ $(guest_after lsmod) == 0 ]]
	# busybox insmod retries a failed finit_module() with init_module(): the
	# refusal shows once per attempt; post-unpatch never runs
	local seq
	seq=$(dmesg_seq 'klpb_cb: ')
	[[ $seq =~ ^(klpb_cb:\ pre_patch\ refuses\ vmlinux\|)+$ ]] || { echo "callbacks in dmesg: $seq" >&2; false; }
	qemu_dmesg "$QEMU_LOG" | grep -q "pre-patch callback klpb_refuse.* of vmlinux failed: -16"
	qemu_dmesg_clean "$QEMU_LOG"
}

# callbacks of several files for one object all run (patch callbacks in link order, unpatch in reverse)
hc_callbacks_several_files() {
	klpb t_cb2 "$PATCHDIR/30-cmdline-callbacks.patch" "$PATCHDIR/32-kpatch-style-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
kmark insmod
klp_insmod /klpb/t_cb2.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; echo "\$(grep -c klpb_callbacks /proc/cmdline) \$(grep -c klpb_kpatch_style /proc/version)"
kmark disable
klp_disable t_cb2; rc=\$?; mark disable-rc; echo \$rc
mark disabled; echo "\$(grep -c klpb_callbacks /proc/cmdline) \$(grep -c klpb_kpatch_style /proc/version)"
rmmod t_cb2; rc=\$?; mark rmmod-rc; echo \$rc
kmark removed
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_cb2.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "1 1" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "0 0" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	# objects link in path order: fs/proc/cmdline.o, then fs/proc/version.o
	expect_eq "callbacks in dmesg" "$(dmesg_seq 'klpb_(cb|kpatch): ')" \
		"klpb_mark: insmod|klpb_cb: pre_patch vmlinux|klpb_kpatch: pre_patch vmlinux|klpb_cb: post_patch vmlinux|klpb_kpatch: post_patch vmlinux|klpb_mark: disable|klpb_kpatch: pre_unpatch vmlinux|klpb_cb: pre_unpatch vmlinux|klpb_kpatch: post_unpatch vmlinux|klpb_cb: post_unpatch vmlinux|klpb_mark: removed|"
	qemu_dmesg_clean "$QEMU_LOG"
}
