# shellcheck shell=bash
# 32-bit arm cases shared by 65-arm-6.1.bats and 66-arm-6.12.bats (issue 12,
# groundwork): each arm_* function is one @test body, run against the test
# kernel that test/lib/kernel.sh selects (KLPB_ARCH=arm, KLPB_KVER).  These
# kernels have no CONFIG_LIVEPATCH (arm has no HAVE_LIVEPATCH on 6.1/6.12);
# the cases check the kernel itself and the booted prototype of the
# redirection the in-module core will use (test/integration/arm-redirect).
# shellcheck disable=SC2016,SC2154 # guest checks are literal; bats variables

ARM_PROTO=$KLPB_REPO/test/integration/arm-redirect

# In setup_file: skip with the reason when the cross tools are missing.
arm_need_tools() {
	command -v arm-linux-gnueabihf-gcc >/dev/null ||
		skip "arm-linux-gnueabihf-gcc missing (make setup: gcc-arm-linux-gnueabihf)"
	command -v qemu-system-arm >/dev/null || skip "qemu-system-arm missing (make setup: qemu-system-arm)"
	[[ -x $KLPB_BUSYBOX ]] || skip "armhf busybox missing in $KLPB_BUSYBOX (make setup)"
}

# the test kernel: ARM mode (not Thumb-2), EABI unwinder, no livepatch,
# DYNAMIC_FTRACE_WITH_REGS; the ftrace site of a function with a prologue
# is "push {lr}; bl __gnu_mcount_nc" after it, that of a leaf at its entry
arm_config() {
	local cfg=$KLPB_TEST_BUILD/.config c
	for c in CONFIG_ARM CONFIG_ARCH_VIRT CONFIG_AEABI CONFIG_ARM_UNWIND CONFIG_MODULES CONFIG_MODULE_UNLOAD \
		 CONFIG_DYNAMIC_FTRACE CONFIG_DYNAMIC_FTRACE_WITH_REGS CONFIG_KALLSYMS_ALL \
		 CONFIG_SERIAL_AMBA_PL011_CONSOLE CONFIG_JUMP_LABEL CONFIG_SMP CONFIG_ARM_MODULE_PLTS; do
		grep -qx "$c=y" "$cfg" || { echo "$c not set" >&2; return 1; }
	done
	for c in CONFIG_LIVEPATCH CONFIG_HAVE_LIVEPATCH CONFIG_HAVE_RELIABLE_STACKTRACE CONFIG_THUMB2_KERNEL \
		 CONFIG_FRAME_POINTER; do
		! grep -q "^$c=y" "$cfg" || { echo "$c is set" >&2; return 1; }
	done
	grep -qx CONFIG_IKCONFIG=m "$cfg"
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q 'Machine:.*ARM$'
	# cmdline_proc_show saves registers first, then the ftrace site
	arm-linux-gnueabihf-objdump -d --disassemble=cmdline_proc_show "$KLPB_TEST_BUILD/fs/proc/cmdline.o" |
		awk '/<cmdline_proc_show>:/ { f = 1; next } f && NF { print; if (++n == 4) exit }' >"$BATS_TEST_TMPDIR/entry"
	cat "$BATS_TEST_TMPDIR/entry"
	head -n1 "$BATS_TEST_TMPDIR/entry" | grep -qE $'\tpush\t\\{[^}]*r4[^}]*lr\\}'
	grep -qE $'\tpush\t\\{lr\\}' "$BATS_TEST_TMPDIR/entry"
	grep -qE $'\tbl\t.*<__gnu_mcount_nc>' "$BATS_TEST_TMPDIR/entry"
	[[ $(grep -nE $'\tbl\t' "$BATS_TEST_TMPDIR/entry" | cut -d: -f1) -gt 2 ]]
	# sys_newuname (an alias of __se_sys_newuname): no prologue, the site
	# at its entry, then a tail call to the notrace __do_sys_newuname
	local a
	a=$(awk '$3 == "sys_newuname" { print $1 }' "$KLPB_TEST_BUILD/System.map")
	arm-linux-gnueabihf-objdump -d --start-address=0x"$a" --stop-address=$(( 16#$a + 12 )) "$KLPB_TEST_BUILD/vmlinux" |
		grep -E '^ *[0-9a-f]+:' >"$BATS_TEST_TMPDIR/entry"
	cat "$BATS_TEST_TMPDIR/entry"
	sed -n 1p "$BATS_TEST_TMPDIR/entry" | grep -qE $'\tpush\t\\{lr\\}'
	sed -n 2p "$BATS_TEST_TMPDIR/entry" | grep -qE $'\tbl\t.*<__gnu_mcount_nc>'
	sed -n 3p "$BATS_TEST_TMPDIR/entry" | grep -qE $'\tb\t.*<__do_sys_newuname>'
	# unwind tables: the object has .ARM.exidx sections
	readelf -SW "$KLPB_TEST_BUILD/fs/proc/cmdline.o" | grep -q '\.ARM\.exidx'
}

# boots to the busybox init; no /sys/kernel/livepatch; clean dmesg
# arm_addrs SYSTEM_MAP OUT.h: KLPB_A_<name> = the address of name (arm
# kernels are not relocated at boot: link address = run address; the module
# checks each with sprint_symbol); each name must be unique
arm_addrs() {
	local map=$1 out=$2 n
	: >"$out"
	for n in cmdline_proc_show meminfo_proc_show sys_newuname; do
		[[ $(awk -v n="$n" '$3 == n' "$map" | wc -l) == 1 ]] || { echo "$n not unique in $map" >&2; return 1; }
		awk -v n="$n" '$3 == n { printf "#define KLPB_A_%s 0x%sUL\n", n, $1 }' "$map" >>"$out"
	done
	cat "$out"
}

# the booted proof of the redirection (test/integration/arm-redirect): the
# prologue of each target decoded from the running text and undone at each
# call; static vmlinux functions with prologues (cmdline_proc_show,
# meminfo_proc_show), a syscall (sys_newuname, no frame), a module function
# with a frame, callee-saved registers and six stack arguments, a leaf;
# the naive redirection (pc = new function) shown to break the stack;
# disarmed, re-armed, removed; clean dmesg
arm_redirect() {
	local d=$BATS_TEST_TMPDIR/redirect
	mkdir -p "$d"
	cp "$ARM_PROTO"/redirect.c "$ARM_PROTO"/tramp.S "$ARM_PROTO"/Kbuild "$d/"
	arm_addrs "$KLPB_TEST_BUILD/System.map" "$d/klpb_addrs.h"
	test_module "$d"
	[[ -z $(modinfo -F livepatch "$d/klpb_redirect.ko") ]]
	# the module's own targets: klpb_many_frame has a prologue with
	# callee-saved registers and a frame before its site, klpb_frameless none
	arm-linux-gnueabihf-objdump -d "$d/klpb_redirect.ko" >"$d/dis"
	awk '/<klpb_many_frame>:/ { f = 1; next } f && NF { print; if (++n == 3) exit }' "$d/dis" | tee "$d/many.dis"
	grep -qE $'\tpush\t\\{[^}]*r4' "$d/many.dis"
	awk '/<klpb_frameless>:/ { f = 1; next } f && NF { print; if (++n == 2) exit }' "$d/dis" | tee "$d/leaf.dis"
	head -n1 "$d/leaf.dis" | grep -qE $'\tpush\t\\{lr\\}'
	cat >"$d/guest.sh" <<'GUEST'
P=/sys/module/klpb_redirect/parameters
mark before; cat /proc/cmdline
mark meminfo-before; head -n1 /proc/meminfo
mark uname-before; uname -m
insmod /klpb/klpb_redirect.ko; rc=$?; mark insmod-rc; echo $rc
mark after; cat /proc/cmdline
mark meminfo-after; head -n1 /proc/meminfo
mark uname-after; uname -m
mark many; cat $P/many
mark frameless; cat $P/frameless
echo 1 > $P/naive
mark many-naive; cat $P/many
echo 0 > $P/naive
mark many-again; cat $P/many
echo 0 > $P/redirect; rc=$?; mark off-rc; echo $rc
mark disabled; cat /proc/cmdline
mark meminfo-disabled; head -n1 /proc/meminfo
mark uname-disabled; uname -m
mark many-disabled; cat $P/many
mark frameless-disabled; cat $P/frameless
echo 1 > $P/redirect
mark again; cat /proc/cmdline
mark uname-again; uname -m
rmmod klpb_redirect; rc=$?; mark rmmod-rc; echo $rc
mark removed; cat /proc/cmdline
mark uname-removed; uname -m
GUEST
	qemu_test "$d/guest.sh" "$d/klpb_redirect.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep klpb_redirect
	[[ $(guest_after before) == *console=ttyAMA0* ]]
	[[ $(guest_after meminfo-before) == MemTotal:* ]]
	[[ $(guest_after uname-before) == armv7l ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	# the prologues as decoded from the running kernel: pushes, a frame
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb_redirect: cmdline_proc_show: prologue \[ push 0x[0-9a-f]+; \] frame [1-9][0-9]*, ftrace site at \+0x8'
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb_redirect: meminfo_proc_show: prologue \[ push 0x[0-9a-f]+;( sub sp, #[0-9]+;)* \] frame [1-9][0-9]*,'
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb_redirect: sys_newuname: prologue \[ \] frame 0, ftrace site at \+0x4'
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb_redirect: klpb_many_frame: prologue \[ push 0x[0-9a-f]+;.* \] frame [1-9][0-9]*,'
	qemu_dmesg "$QEMU_LOG" | grep -E 'klpb_redirect: klpb_frameless: prologue \[ \] frame 0, ftrace site at \+0x4'
	[[ $(guest_after after) == "klpb_redirect: redirected cmdline_proc_show" ]]
	[[ $(guest_after meminfo-after) == "klpb_redirect: redirected meminfo_proc_show 1 2 3 4" ]]
	[[ $(guest_after uname-after) == klpb ]]
	# 1*1 + 2*2 + ... + 10*10: every argument arrived, the six on the stack
	# too; no callee-saved register lost, sp back where the caller had it
	[[ $(guest_after many) == "result=385 lost-callee-saved=0x0 sp-moved=0" ]]
	[[ $(guest_after frameless) == "result=1042" ]]
	# naive: the new function ran on the old frame: wrong stack arguments,
	# and it returned with the old frame still allocated
	[[ $(guest_after many-naive) =~ ^result=([0-9-]+)\ lost-callee-saved=0x0\ sp-moved=([0-9]+)$ ]]
	[[ ${BASH_REMATCH[1]} != 385 && ${BASH_REMATCH[2]} -gt 0 ]]
	[[ $(guest_after many-again) == "result=385 lost-callee-saved=0x0 sp-moved=0" ]]
	[[ $(guest_after off-rc) == 0 ]]
	[[ $(guest_after disabled) == "$(guest_after before)" ]]
	[[ $(guest_after meminfo-disabled) == MemTotal:* ]]
	[[ $(guest_after uname-disabled) == armv7l ]]
	[[ $(guest_after many-disabled) == "result=55 lost-callee-saved=0x0 sp-moved=0" ]]
	[[ $(guest_after frameless-disabled) == "result=43" ]]
	[[ $(guest_after again) == "klpb_redirect: redirected cmdline_proc_show" ]]
	[[ $(guest_after uname-again) == klpb ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "$(guest_after before)" ]]
	[[ $(guest_after uname-removed) == armv7l ]]
	qemu_dmesg_clean "$QEMU_LOG"
}
