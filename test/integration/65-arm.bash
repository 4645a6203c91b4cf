# shellcheck shell=bash
# 32-bit arm cases shared by 65-arm-6.1.bats and 66-arm-6.12.bats (issue
# 12): each arm_* function is one @test body, run against the test kernel
# that test/lib/kernel.sh selects (KLPB_ARCH=arm, KLPB_KVER).  These kernels
# have no CONFIG_LIVEPATCH (arm has no HAVE_LIVEPATCH on 6.1/6.12): the
# cases check the kernel itself, the booted prototype of the redirection
# (test/integration/arm-redirect), and patch modules built by `klp-build -a
# arm` with the in-module core (kmod-template/klpb-ftrace.c and
# klpb-arch-arm.c).
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
# (and the 32-bit time_t syscalls the armhf busybox calls: its sleep
# exits at once without them)
arm_config() {
	local cfg=$KLPB_TEST_BUILD/.config c
	for c in CONFIG_ARM CONFIG_ARCH_VIRT CONFIG_AEABI CONFIG_ARM_UNWIND CONFIG_MODULES CONFIG_MODULE_UNLOAD \
		 CONFIG_DYNAMIC_FTRACE CONFIG_DYNAMIC_FTRACE_WITH_REGS CONFIG_KALLSYMS_ALL \
		 CONFIG_SERIAL_AMBA_PL011_CONSOLE CONFIG_JUMP_LABEL CONFIG_SMP CONFIG_ARM_MODULE_PLTS \
		 CONFIG_COMPAT_32BIT_TIME; do
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

# ---------------------------------------------------------------- klp-build -a arm

# arm_module_checks KO FUNC: a patch module of the in-module core for arm: no
# livepatch marker, no .klp sections, REL relocations only (the arm loader
# refuses SHT_RELA), and FUNC's unwind index kept, named after its text
# section (module_finalize pairs them by name) with a PREL31 to FUNC
arm_module_checks() {
	local ko=$1 func=$2 secs
	[[ -z $(modinfo -F livepatch "$ko") ]]
	secs=$(readelf -SW "$ko")
	refute_grep '\.klp\.(rela|sym|relocs|strings)' "$secs"
	refute_grep ' RELA ' "$secs"
	grep -E "\.ARM\.exidx\.text\.$func +ARM_EXIDX" <<<"$secs"
	readelf -rW "$ko" | awk -v s="'.rel.ARM.exidx.text.$func'" '/^Relocation section/ { f = ($3 == s) } f' |
		grep -E "R_ARM_PREL31 +[0-9a-f]+ +$func\$"
}

# arm_lp_one NAME: `klp-build -a arm` on a kernel without CONFIG_LIVEPATCH
# builds a patch module for one changed function with a prologue
# (cmdline_proc_show: push {r4, lr} before its ftrace site) with the
# in-module core; in the guest /sys/kernel/livepatch/NAME appears with
# enabled=1, transition=0, vmlinux/patched=1, vmlinux/cmdline_proc_show,1,
# the kernel's log lines, no rmmod while enabled; echo 0 > enabled restores
# the function and removes the directory, rmmod works; clean dmesg, no
# unwinder complaint.  The user's tree is left alone.
arm_lp_one() {
	local name=$1 before ko
	before=$(tree_fingerprint)
	klpb "$name" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tree_fingerprint)" = "$before" ]
	assert_output_has "no CONFIG_LIVEPATCH: the module gets klp-build's in-module core"
	ko=$BATS_TEST_TMPDIR/out/$name.ko
	arm_module_checks "$ko" cmdline_proc_show
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { cat /proc/cmdline; }
mark before; check
mark root-before; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark again; check
mark enabled; cat /sys/kernel/livepatch/$name/enabled
mark transition; cat /sys/kernel/livepatch/$name/transition
mark patched; cat /sys/kernel/livepatch/$name/vmlinux/patched
mark funcdir; ls /sys/kernel/livepatch/$name/vmlinux | grep -v patched
mark taint; cat /proc/sys/kernel/tainted
rmmod $name 2>/dev/null; rc=\$?; mark rmmod-enabled-rc; echo \$rc
mark still; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
mark dir-disabled; ls -d /sys/kernel/livepatch/$name 2>/dev/null || echo gone
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
mark root-removed; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|$name|unwind" || true
	assert_guest_lacks before klpb_one_function
	[[ $(guest_after root-before) == none ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == *console=ttyAMA0*" klpb_one_function" ]]
	[[ $(guest_after again) == "$(guest_after after)" ]]
	[[ $(guest_after enabled) == 1 ]]
	[[ $(guest_after transition) == 0 ]]
	[[ $(guest_after patched) == 1 ]]
	[[ $(guest_after funcdir) == "cmdline_proc_show,1" ]]
	(( $(guest_after taint) & (1 << 15) ))
	[[ $(guest_after rmmod-enabled-rc) != 0 ]]
	[[ $(guest_after still) == *" klpb_one_function" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	assert_guest_lacks disabled klpb_one_function
	[[ $(guest_after disabled) == *console=ttyAMA0* ]]
	[[ $(guest_after dir-disabled) == gone ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	assert_guest_lacks removed klpb_one_function
	[[ $(guest_after root-removed) == none ]]
	qemu_dmesg "$QEMU_LOG" | grep -oE "livepatch: (enabling patch '$name'|'$name': [a-z ]+)" >"$BATS_TEST_TMPDIR/lines"
	diff -u - "$BATS_TEST_TMPDIR/lines" <<LINES
livepatch: enabling patch '$name'
livepatch: '$name': starting patching transition
livepatch: '$name': patching complete
livepatch: '$name': starting unpatching transition
livepatch: '$name': unpatching complete
LINES
	refute_grep 'unwind:' "$(qemu_dmesg "$QEMU_LOG")"
	qemu_dmesg_clean "$QEMU_LOG"
}

# arm_warn NAME: a WARN in patched code (patches/20): the warning names the
# patched function, and its backtrace goes through the patch module's copy
# of cmdline_proc_show back into the kernel's seq_read_iter: the module's
# .ARM.exidx.text.cmdline_proc_show was kept and registered for the copy
arm_warn() {
	local name=$1 d
	klpb "$name" "$PATCHDIR/20-cmdline-warn.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	arm_module_checks "$BATS_TEST_TMPDIR/out/$name.ko" cmdline_proc_show
	LIFECYCLE_DMESG=any lifecycle "$name" 'cat /proc/cmdline >/dev/null; echo read-rc=$?'
	[[ $(guest_after after) == read-rc=0 ]]
	[[ $(guest_after disabled) == read-rc=0 ]]
	d=$(qemu_dmesg "$QEMU_LOG")
	echo "$d" | grep -A30 klpb_warn_in_patched_code
	[[ $(grep -c 'klpb_warn_in_patched_code' <<<"$d") == 1 ]]
	grep -E 'WARNING: CPU: [0-9]+ PID: [0-9]+ at fs/proc/cmdline.c:[0-9]+ cmdline_proc_show' <<<"$d"
	# arm's backtrace lines: "callee from caller+off/size" (booted 6.1)
	grep -E "cmdline_proc_show \[$name\] from seq_read_iter\+" <<<"$d"
	refute_grep 'unwind:|invalid opcode|Oops|BUG:|[Kk]ernel panic|Unrecoverable' "$d"
}

# arm_consistency NAME: noklp_consistency (bats-common) through the kernel's
# EABI unwinder: the sleep inside the patch module's do_nanosleep is entered
# through klpb_arm_tramp, its frame unwound with the module's .ARM.exidx;
# the unwinder must not complain.
arm_consistency() {
	noklp_consistency "$1"
	refute_grep 'unwind:' "$(qemu_dmesg "$QEMU_LOG")"
}

# arm_cons_graph NAME: the consistency case with the function graph tracer
# on `schedule` alone (docs/DESIGN.md "32-bit arm: return trampolines"),
# for the sleeping task only (its shell writes its pid to set_ftrace_pid,
# turns the tracer on and becomes `sleep 1000`): the saved lr of
# schedule's frame is return_to_handler, which hides do_nanosleep.  The
# EABI unwinder cannot go on from there (return_to_handler has no unwind
# entry of its own, its address falls in the merged "finish" entry of
# ftrace_regs_caller..ftrace_graph_regs_caller: pc = lr = itself, the
# "infinite loop" check); the core's walk puts back the address it
# stands for (ftrace_graph_ret_addr, the task's return stack innermost
# first, on a kernel without CONFIG_PREEMPTION) and goes on: the load
# while the task sleeps in do_nanosleep, and the disable while it sleeps
# in the patched one, are refused naming the task, the function and
# return_to_handler ("behind"), as on arm64; no "unwind:" line.  With the
# task gone (the tracer still on, for no task) both work.  Without the
# recovery the refusals say "cannot be walked" instead (the walk stops
# short: unreliable); a walk that went on past return_to_handler without
# the address would have let the load through (klpb_sleeps=0 after it).
arm_cons_graph() {
	local name=$1 pid pid2 rth cover
	grep -qx CONFIG_FUNCTION_GRAPH_TRACER=y "$KLPB_TEST_BUILD/.config" ||
		{ echo "the test kernel lacks CONFIG_FUNCTION_GRAPH_TRACER" >&2; return 1; }
	# the recovery's premise (a preemptible kernel keeps refusing)
	if grep -qx CONFIG_PREEMPTION=y "$KLPB_TEST_BUILD/.config"; then
		echo "the test kernel is preemptible: the core does not recover return_to_handler there" >&2
		return 1
	fi
	# statically: return_to_handler has no unwind entry of its own; the
	# one the unwinder finds for it (the last at or below it) unwinds
	# nothing ("finish": pc = lr)
	rth=$(awk '$3 == "return_to_handler" { print $1 }' "$KLPB_TEST_BUILD/System.map")
	cover=$("${KLPB_CROSS}readelf" -u "$KLPB_TEST_BUILD/vmlinux" |
		awk -v rth="0x$rth" '/^0x[0-9a-f]+ </ && length($1) == length(rth) && ($1 "") <= rth { best = $0 } END { print best }')
	echo "return_to_handler 0x$rth, covered by: $cover"
	[[ $cover =~ ^0x([0-9a-f]+)\ \<([a-z_]+)\>:\ 0x80b0b0b0$ ]]
	[[ ${BASH_REMATCH[1]} != "$rth" && ${BASH_REMATCH[2]} != return_to_handler ]]
	# the sleepers: each shell puts its pid in set_ftrace_pid (the first
	# also turns the tracer on) and becomes the sleep
	noklp_consistency_run "$name" "T=/sys/kernel/tracing
mkdir -p \$T; mount -t tracefs tracefs \$T
echo schedule > \$T/set_ftrace_filter; rc=\$?; mark filter-rc; echo \$rc
sleeper() {
	case \$1 in
	1) sh -c 'echo \$\$ > /sys/kernel/tracing/set_ftrace_pid && echo function_graph > /sys/kernel/tracing/current_tracer && exec sleep 1000' & ;;
	*) sh -c 'echo \$\$ > /sys/kernel/tracing/set_ftrace_pid && exec sleep 1000' & ;;
	esac
	pid=\$!
}" "mark tracer; cat \$T/current_tracer
mark hits; grep -c 'schedule()' \$T/trace
echo nop > \$T/current_tracer && echo > \$T/set_ftrace_pid && echo > \$T/set_ftrace_filter; rc=\$?; mark unhook-rc; echo \$rc"
	expect_eq filter-rc "$(guest_after filter-rc)" 0
	# (read at the end: nothing turns it off before)
	expect_eq tracer "$(guest_after tracer)" function_graph
	pid=$(guest_after pid)
	pid2=$(guest_after pid2)
	# the premise: each sleep still sleeps a second after its start
	expect_eq busy-state "$(guest_after busy-state)" "(sleep) S"
	expect_eq busy2-state "$(guest_after busy2-state)" "(sleep) S"
	[[ $(guest_after busy-insmod-rc) != 0 ]]
	expect_eq busy-show "$(guest_after busy-show)" unpatched
	expect_eq busy-lsmod "$(guest_after busy-lsmod)" 0
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': patching refused: task $pid \(sleep\) is in do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+, behind return_to_handler\), tried 5 times"
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq show "$(guest_after show)" " klpb_sleeps=2"
	[[ $(guest_after busy-disable-rc) != 0 ]]
	expect_eq busy-enabled "$(guest_after busy-enabled)" 1
	expect_eq busy-disabled-show "$(guest_after busy-disabled-show)" " klpb_sleeps=2"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': unpatching refused: task $pid2 \(sleep\) is in the patched do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+ \[$name\], behind return_to_handler\), tried 5 times"
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq disabled-show "$(guest_after disabled-show)" unpatched
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	# the tracer hooked schedule (of the sleeping tasks only)
	[[ $(guest_after hits) =~ ^[1-9][0-9]*$ ]]
	expect_eq unhook-rc "$(guest_after unhook-rc)" 0
	refute_grep 'unwind:' "$(qemu_dmesg "$QEMU_LOG")"
	qemu_dmesg_clean "$QEMU_LOG"
}

# arm_syscalls NAME: syscalls replaced with KLP_SYSCALL_DEFINE1 (newuname:
# uname -m) and KLP_SYSCALL_DEFINE0 (getppid) (patches/33).  Without syscall
# wrappers the body is inlined into the notrace __do_sys_*, so the traced
# entry is patched: sys_getppid, and __se_sys_newuname, whose alias
# sys_newuname ("push {lr}; bl; b __do_sys_newuname") is what kallsyms
# prints (the core accepts that alias when it checks the address)
arm_syscalls() {
	local name=$1
	klpb "$name" "$PATCHDIR/33-syscalls-newuname-getppid.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed kernel/sys.o __se_sys_newuname"
	assert_output_has "changed kernel/sys.o sys_getppid"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
# uname(2) -> newuname; a child shell's \$PPID (getppid) minus its parent's pid
check() { echo "\$(uname -m) \$(sh -c 'sh -c "echo \\\$PPID"; echo \$\$' | { read -r c; read -r p; echo \$((c - p)); })"; }
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark funcs; ls /sys/kernel/livepatch/$name/vmlinux | grep , | sort | tr '\n' ' '; echo
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == "armv7l 0" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_syscall 100000" ]]
	[[ $(guest_after funcs) =~ ^__se_sys_newuname,[0-9]+\ sys_getppid,[0-9]+\ $ ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "armv7l 0" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "armv7l 0" ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# arm_pv_rels OBJ: the relocations of OBJ's .pv_table (readelf -rW)
arm_pv_rels() {
	readelf -rW "$1" | awk '/^Relocation section/ { f = ($3 == "\x27.rel.pv_table\x27") } f'
}

# arm_pv_table NAME: a changed function with .pv_table entries
# (ARM_PATCH_PHYS_VIRT; patches/48): __page_get_link returns
# page_address(page), a __va whose "sub" pair (__pv_stub) carries the
# placeholder 0x81000000/0x810000 until fixup_pv_table patches in the
# PHYS_OFFSET - PAGE_OFFSET delta.  The module keeps the function's
# entries (R_ARM_REL32 to its copy) and module_finalize applies them: a
# ramfs symlink "klpb-pv:target" reads as "target" and is followed to the
# file while the patch is enabled (an unpatched stub would make the copy
# read the link from an unmapped address below PAGE_OFFSET: an oops, seen
# with the module's .pv_table removed); original text after
# disable and rmmod; clean dmesg
arm_pv_table() {
	local name=$1 ko rels
	klpb "$name" "$PATCHDIR/48-namei-pv-table.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed fs/namei.o __page_get_link"
	ko=$BATS_TEST_TMPDIR/out/$name.ko
	arm_module_checks "$ko" __page_get_link
	# the premise: the kernel's function has its entries (the "sub" pair
	# with the placeholders)...
	rels=$(arm_pv_rels "$KLPB_TEST_BUILD/fs/namei.o")
	[[ $(grep -cE 'R_ARM_REL32 +[0-9a-f]+ +\.text\.__page_get_link$' <<<"$rels") == 2 ]]
	arm-linux-gnueabihf-objdump -d --disassemble=__page_get_link "$KLPB_TEST_BUILD/fs/namei.o" |
		grep -E $'\tsub\t.*#-2130706432'
	# ...and the module its own, to its copy
	readelf -SW "$ko" | grep -E ' \.pv_table +PROGBITS .* A '
	rels=$(arm_pv_rels "$ko")
	echo "$rels"
	[[ $(grep -cE 'R_ARM_REL32 +[0-9a-f]+ +(\.text\.)?__page_get_link$' <<<"$rels") -ge 2 ]]
	refute_grep 'R_ARM_(ABS32|CALL|JUMP24)' "$rels"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
mkdir -p /mnt/pv && mount -t ramfs ramfs /mnt/pv
echo pv-ok >/mnt/pv/target
ln -s klpb-pv:target /mnt/pv/link
check() { echo "\$(readlink /mnt/pv/link) \$(cat /mnt/pv/link 2>/dev/null || echo no-file)"; }
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark again; check
mark funcs; ls /sys/kernel/livepatch/$name/vmlinux | grep , | sort | tr '\n' ' '; echo
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == "klpb-pv:target no-file" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "target pv-ok" ]]
	[[ $(guest_after again) == "target pv-ok" ]]
	[[ $(guest_after funcs) == *"__page_get_link,"* ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "klpb-pv:target no-file" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "klpb-pv:target no-file" ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# ------------------------------------------- symbols of modules (issue 12, i12-mod)

# arm_slot_recs KO: "WORD-SECTION" per klpb_slot record of KO (where the
# slot word lives: a literal of a patched function, or a veneer's word)
arm_slot_recs() {
	readelf -rW "$1" | awk '/^Relocation section/ { f = ($3 == "'"'"'.rel.data.klpb_slot_recs'"'"'"); n = 0 } f && $1 ~ /^[0-9a-f]+$/ && n++ % 3 == 0 { print $5 }'
}

# arm_slots KO: "WORD-SECTION OBJNAME NAME" per klpb_slot record of KO, in
# record order (klp-convert appends each record's two names to
# .rodata.klpb_slot_names in that order)
arm_slots() {
	local names=$BATS_TEST_TMPDIR/slot_names.bin
	arm-linux-gnueabihf-objcopy -O binary --only-section=.rodata.klpb_slot_names "$1" "$names"
	paste -d ' ' <(arm_slot_recs "$1") <(tr '\0' '\n' <"$names" | paste -d ' ' - -)
}

# arm_modfunc NAME: a function of a module (configs.ko's
# ikconfig_read_current, patches/42) through the in-module core on 32-bit
# arm.  In the module: no relocation of the patched copy names a symbol of
# configs; its literal words of config_gz_proc_ops, ikconfig_read_current and
# kernel_config_data(_end) are slots (records pointing into the copy's
# text; configs.o's .rodata, where the labels are, is not copied), which the core writes with the kernel's __patch_text_real at
# configs' COMING and clears at its GOING (the module text is read-only:
# STRICT_MODULE_RWX).  In the guest, as a64_modfunc: the patch loaded
# before configs (not patched, no /proc/config.gz), configs loaded (patched:
# the size from kernel_config_data and config_gz_proc_ops' proc_read ==
# configs' ikconfig_read_current), removed, loaded again elsewhere (a filler
# takes its place: the literals follow), disabled, rmmod; the patch loaded
# after configs, configs removed while patched, disable and rmmod without
# configs, configs back unpatched; the kernel's log lines; clean dmesg.
arm_modfunc() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko rel recs s
	klpb "$name" "$PATCHDIR/42-configs-module-reload.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	arm_module_checks "$ko" ikconfig_read_current
	rel=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } s == "'"'"'.rel.text.ikconfig_read_current'"'"'" && $1 ~ /^[0-9a-f]+$/ { print $3, $5 }')
	echo "$rel"
	refute_grep ' (config_gz_proc_ops|ikconfig_read_current|kernel_config_data|kernel_config_data_end)$' "$rel"
	# configs.o's .rodata (kernel_config_data(_end): labels of the asm
	# .incbin of the config) is configs' own, not copied into the patch
	refute_grep ' \.rodata$' "$rel"
	recs=$(arm_slots "$ko")
	echo "slots: $recs"
	# one literal word each of config_gz_proc_ops, ikconfig_read_current
	# and kernel_config_data(_end) in the copy's own text, and no other slot
	[[ $(wc -l <<<"$recs") == 4 ]]
	for s in config_gz_proc_ops ikconfig_read_current kernel_config_data kernel_config_data_end; do
		[[ $(grep -cx "\.text\.ikconfig_read_current configs $s" <<<"$recs") == 1 ]]
	done
	# the guest also checks that the core left no /sys/kernel/livepatch
	configs_reload_boot "$name" "mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none"
	expect_eq root "$(guest_after root)" none
	refute_grep 'unwind:' "$(qemu_dmesg "$QEMU_LOG")"
}

# arm_modcall NAME: a CALL from the patch to a function of a module
# (patches/44: callbacks of configs call ikconfig_read_current, which the
# patch does not change).  In the module: the calls are R_ARM_CALL to
# .text.klpb_veneers, "ldr pc, [pc, #-4]" followed by the slot word the core
# writes while configs is loaded.  In the guest, as a64_modcall: each
# callback prints what configs' function returned (0 at the end of its data,
# -EFAULT one byte before), at configs' load and unload, its reload
# elsewhere, enable and disable; clean dmesg.
arm_modcall() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko d=$BATS_TEST_TMPDIR/filler size rel recs p
	klpb "$name" "$PATCHDIR/44-configs-module-call.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	rel=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } s ~ /klpb_call/ && $1 ~ /^[0-9a-f]+$/ { print s, $3, $5 }')
	echo "$rel"
	[[ $(grep -c ' R_ARM_CALL \.text\.klpb_veneers$' <<<"$rel") -ge 1 ]]
	refute_grep '^ikconfig_read_current$' "$(readelf -rW "$ko" | awk '$3 ~ /^R_ARM_(CALL|JUMP24)$/ { print $5 }')"
	# one veneer: ldr pc, [pc, #-4]; its word is one slot (the others:
	# literal words of kernel_config_data(_end) in the callbacks' text)
	arm-linux-gnueabihf-objdump -d -j .text.klpb_veneers "$ko" | tee "$BATS_TEST_TMPDIR/ven"
	[[ $(grep -cE '\sldr\s+pc, \[pc, #-4\]' "$BATS_TEST_TMPDIR/ven") == 1 ]]
	recs=$(arm_slots "$ko")
	echo "slots: $recs"
	[[ $(wc -l <<<"$recs") == 3 ]]
	[[ $(grep -cx '\.text\.klpb_veneers configs ikconfig_read_current' <<<"$recs") == 1 ]]
	# kernel_config_data(_end) are configs' own (its .rodata not copied)
	[[ $(grep -cx '\.text\.klpb_call_read configs kernel_config_data' <<<"$recs") == 1 ]]
	[[ $(grep -cx '\.text\.klpb_call_read configs kernel_config_data_end' <<<"$recs") == 1 ]]
	filler_module "$d"
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
where() { awk '\$3 == "ikconfig_read_current" && \$4 == "[configs]" { print \$1 }' /proc/kallsyms; }
kmark insmod
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark early-patched; cat /sys/kernel/livepatch/$name/configs/patched
kmark configs
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
a1=\$(where)
mark late-patched; cat /sys/kernel/livepatch/$name/configs/patched
mark original; head -c 2 /proc/config.gz | od -An -tx1 | tr -d ' '
kmark rmmod-configs
rmmod configs; rc=\$?; mark configs-rmmod-rc; echo \$rc
insmod /klpb/filler/klpb_filler.ko
kmark reload
insmod /klpb/configs.ko; rc=\$?; mark configs-reload-rc; echo \$rc
mark moved; a2=\$(where); if [ -n "\$a1" ] && [ "\$a2" != "\$a1" ]; then echo moved; else echo "same '\$a1' '\$a2'"; fi
kmark disable
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
kmark after
insmod /klpb/$name.ko; rc=\$?; mark after-rc; echo \$rc
kmark rmmod-configs2
rmmod configs; rc=\$?; mark configs-rmmod2-rc; echo \$rc
kmark disable2
klp_disable $name; rc=\$?; mark disable2-rc; echo \$rc
rmmod $name; rc=\$?; mark rmmod2-rc; echo \$rc
kmark end
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko" "$KLPB_TEST_BUILD/kernel/configs.ko" "$d"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb|unwind" || true
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq early-patched "$(guest_after early-patched)" 0
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	expect_eq late-patched "$(guest_after late-patched)" 1
	expect_eq "configs' function unchanged (gzip magic)" "$(guest_after original)" 1f8b
	expect_eq configs-rmmod-rc "$(guest_after configs-rmmod-rc)" 0
	expect_eq configs-reload-rc "$(guest_after configs-reload-rc)" 0
	expect_eq "configs.ko loaded elsewhere (else the reload proves nothing)" "$(guest_after moved)" moved
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	expect_eq after-rc "$(guest_after after-rc)" 0
	expect_eq configs-rmmod2-rc "$(guest_after configs-rmmod2-rc)" 0
	expect_eq disable2-rc "$(guest_after disable2-rc)" 0
	expect_eq rmmod2-rc "$(guest_after rmmod2-rc)" 0
	p="size $size, read at the end 0, one byte before -14"
	expect_eq "callbacks of configs and their calls, in order" "$(dmesg_seq 'klpb_modcall: ')" \
		"klpb_mark: insmod|klpb_mark: configs|klpb_modcall: pre_patch: $p|klpb_modcall: post_patch: $p|klpb_mark: rmmod-configs|klpb_modcall: pre_unpatch: $p|klpb_modcall: post_unpatch: $p|klpb_mark: reload|klpb_modcall: pre_patch: $p|klpb_modcall: post_patch: $p|klpb_mark: disable|klpb_modcall: pre_unpatch: $p|klpb_modcall: post_unpatch: $p|klpb_mark: after|klpb_modcall: pre_patch: $p|klpb_modcall: post_patch: $p|klpb_mark: rmmod-configs2|klpb_modcall: pre_unpatch: $p|klpb_modcall: post_unpatch: $p|klpb_mark: disable2|klpb_mark: end|"
	qemu_dmesg_clean "$QEMU_LOG"
}
