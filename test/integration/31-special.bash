# shellcheck shell=bash
# Special-section cases shared by 30-special.bats (Linux 6.1),
# 40-x86_64-6.12.bats and 50/51-ppc64le-*.bats (sc_jump_ex_alt,
# sc_line_shift): each sc_* function is one @test body, run against the test
# kernel that test/lib/kernel.sh selects (KLPB_ARCH, KLPB_KVER).
# shellcheck disable=SC2016,SC2154 # guest scripts are literal; bats vars

# sc_sympos: patches/12 changes m_show of kernel/module/procfs.o; another
# m_show (fs/namespace.o) exists in vmlinux: only /proc/modules may change.
sc_sympos() {
	klpb t_sympos "$PATCHDIR/12-modules-sympos.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { echo "$(grep -c klpb_sympos /proc/modules) $(grep -c klpb_sympos /proc/mounts) $(grep -c '^proc /proc proc' /proc/mounts)"; }
insmod /klpb/configs.ko
mark before; check
klp_insmod /klpb/t_sympos.ko; rc=$?; mark insmod-rc; echo $rc
mark after; check
mark modules; cat /proc/modules
klp_disable t_sympos; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod t_sympos; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_sympos.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == "0 0 1" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	# both modules (configs and the patch itself) carry the marker
	[[ $(guest_after after) == "2 0 1" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "0 0 1" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_jump_ex_alt: patches/15 gives cmdline_proc_show a static branch on a
# vmlinux tracepoint key (__jump_table, key reached through a klp relocation
# applied at load), a call of that tracepoint (static branch + static call,
# .static_call_sites on kernels that inline static calls) and a new function
# that reads user address 0 between stac/clac (__ex_table, .altinstructions;
# on ppc64le __ex_table and __spec_barrier_fixup; arm64 and arm, without
# CONFIG_LIVEPATCH: anchor relocations instead of .klp.rela, the arch's
# sections listed below). The key is toggled
# before the patch loads and twice after; the user read must fault into the
# fixup (-EFAULT = -14), not oops.
sc_jump_ex_alt() {
	grep -qx 'CONFIG_JUMP_LABEL=y' "$KLPB_TEST_BUILD/.config" ||
		skip "CONFIG_JUMP_LABEL is off in the test kernel (no __jump_table to test)"
	klpb t_special "$PATCHDIR/15-cmdline-special-sections.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local ko=$BATS_TEST_TMPDIR/out/t_special.ko sec arch_secs
	# x86: stac/clac are alternatives; ppc64le: the user read is preceded
	# by a speculation barrier patched at load (barrier_nospec), in the
	# section module_finalize() looks for (__spec_barrier_fixup)
	case $KLPB_ARCH in
	x86_64) arch_secs=(.altinstructions .altinstr_replacement) ;;
	ppc64le)
		arch_secs=(__spec_barrier_fixup)
		assert_no_section "$ko" __barrier_nospec_fixup ;;
	# s390x: the user read is an inline-asm access with an __ex_table
	# entry; the returns of the patched code are expoline sites
	s390x) arch_secs=(.s390_return_reg) ;;
	# arm64: the user read is an inline ldtr with an __ex_table entry; on
	# 6.1 the tracepoint call's per-CPU offset read (mrs tpidr_el1, el2
	# under VHE) is an alternative (6.12's compiler output has none)
	arm64) arch_secs=(); [[ $KLPB_KVER != 6.1 ]] || arch_secs=(.altinstructions) ;;
	# arm: unsafe_get_user() is the out-of-line get_user() under
	# CONFIG_CPU_SPECTRE (vmlinux's __ex_table entry); patches/15 reads
	# with the arch's inline ldrt instead: the patch's own __ex_table entry
	# and its fixup code in .text.fixup
	arm) arch_secs=(.text.fixup) ;;
	esac
	for sec in __jump_table __ex_table "${arch_secs[@]}"; do
		assert_section "$ko" "$sec"
	done
	if grep -qx 'CONFIG_HAVE_STATIC_CALL_INLINE=y' "$KLPB_TEST_BUILD/.config"; then
		assert_section "$ko" .klp.rela.vmlinux..static_call_sites
	fi
	# The tracepoint key is a vmlinux symbol: its __jump_table reference must
	# be a livepatch relocation (.klp.rela.vmlinux.__jump_table); without
	# CONFIG_LIVEPATCH (the in-module core) an anchor relocation the module
	# loader applies before jump_label_add_module reads the entry
	if klpb_noklp; then
		assert_anchor_ref "$ko" __jump_table '__tracepoint_sched_process_fork\+0x[0-9a-f]+'
		# the entries are the patched code's (the core has none of its own)
		assert_reloc_to "$ko" __jump_table 'cmdline_proc_show'
		assert_reloc_to "$ko" __ex_table 'klpb_read_user_zero'
		case $KLPB_ARCH in
		arm) assert_reloc_to "$ko" .text.fixup 'klpb_read_user_zero' ;;
		arm64) [[ $KLPB_KVER != 6.1 ]] || assert_reloc_to "$ko" .altinstructions 'cmdline_proc_show' ;;
		esac
	else
		assert_section "$ko" .klp.rela.vmlinux.__jump_table
	fi
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mkdir -p /sys/kernel/tracing; mount -t tracefs tracefs /sys/kernel/tracing
ev=/sys/kernel/tracing/events/sched/sched_process_fork/enable
show() { cat /proc/cmdline | grep -o ' klpb_special.*' || echo unpatched; }
# events the patched function emitted: sched_process_fork with parent == child
selfforks() { sed -n 's/.* pid=\([0-9]*\) child_comm=.* child_pid=\([0-9]*\)$/\1 \2/p' /sys/kernel/tracing/trace | awk '$1 == $2' | wc -l; }
mark before; show
echo 1 >$ev
klp_insmod /klpb/t_special.ko; rc=$?; mark insmod-rc; echo $rc
mark on-at-load; show
mark traced-1; selfforks
echo 0 >$ev
mark off; show
mark traced-2; selfforks
echo 1 >$ev
mark on; show
mark traced-3; selfforks
echo 0 >$ev
klp_disable t_special; rc=$?; mark disable-rc; echo $rc
mark disabled; show
rmmod t_special; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == unpatched ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after on-at-load) == " klpb_special key=1 fault=-14" ]]
	[[ $(guest_after off) == " klpb_special key=0 fault=-14" ]]
	[[ $(guest_after on) == " klpb_special key=1 fault=-14" ]]
	# The tracepoint call in patched code fires only while the key is on.
	local t1 t2 t3
	t1=$(guest_after traced-1) t2=$(guest_after traced-2) t3=$(guest_after traced-3)
	echo "self-fork events: $t1 $t2 $t3"
	(( t1 >= 1 && t2 == t1 && t3 > t2 ))
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == unpatched ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_constprop_clone: patches/17 changes cpu_show_common(), which GCC emits
# only as the IPA clone cpu_show_common.constprop.0 (arch/x86/kernel/cpu/bugs.o).
# The clone is what must be patched; the result shows in
# /sys/devices/system/cpu/vulnerabilities/* ("Not affected" under TCG).
sc_constprop_clone() {
	nm "$KLPB_TEST_BUILD/arch/x86/kernel/cpu/bugs.o" | grep -q ' cpu_show_common\.constprop\.' ||
		skip "GCC made no cpu_show_common.constprop clone in this kernel (nothing to test)"
	klpb t_clone "$PATCHDIR/17-bugs-constprop-clone.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed arch/x86/kernel/cpu/bugs.o cpu_show_common.constprop."
	local f=/sys/devices/system/cpu/vulnerabilities/meltdown
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
mark before; cat $f
klp_insmod /klpb/t_clone.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; cat $f
klp_disable t_clone; rc=\$?; mark disable-rc; echo \$rc
mark disabled; cat $f
rmmod t_clone; rc=\$?; mark rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_clone.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after before) == "Not affected" ]]
	[[ $(guest_after after) == "Not affected (klpb_constprop)" ]]
	[[ $(guest_after disabled) == "Not affected" ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_line_shift: patches/18 inserts lines at the top of fs/proc/base.c (every
# BUG_ON/WARN_ON below gets another __LINE__) and changes one function; only
# that function may be patched. patches/19 only adds a blank line: refused as
# "no functional changes".
sc_line_shift() {
	klpb t_blank "$PATCHDIR/19-base-blank-line.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "no functional changes"
	assert_no_ko
	klpb t_lines "$PATCHDIR/18-base-line-shift.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $(grep -cE '^klp-build:   (changed|new|copied) ' <<<"$output") -eq 1 ]]
	assert_output_has "changed fs/proc/base.o proc_pid_personality"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mark before; cat /proc/self/personality
klp_insmod /klpb/t_lines.ko; rc=$?; mark insmod-rc; echo $rc
mark after; cat /proc/self/personality
klp_disable t_lines; rc=$?; mark disable-rc; echo $rc
mark disabled; cat /proc/self/personality
rmmod t_lines; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_lines.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == 00000000 ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "00000000 klpb_lines" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == 00000000 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# kver_patch NAME: patches/NAME.patch for 6.1, NAME-$KLPB_KVER.patch for
# other kernels (their source differs around the change)
kver_patch() {
	if [[ $KLPB_KVER == 6.1 ]]; then echo "$PATCHDIR/$1.patch"; else echo "$PATCHDIR/$1-$KLPB_KVER.patch"; fi
}

# Guest lines shared by the kernel/kthread.c cases: how many tasks sleep in
# kthread_worker_fn (from boot on 6.12: rcu_exp_gp_kthread_worker,
# rcu_exp_par_gp_kthread_worker/N, pool_workqueue_release; none on 6.1).
KLPB_GUEST_WORKERS='mark workers; grep -l kthread_worker_fn /proc/[0-9]*/stack 2>/dev/null | wc -l'

# sc_kthread_line_shift (issue 16): patches/42 inserts lines above WARN sites
# of kernel/kthread.c, among them kthread_worker_fn's, and really changes
# get_kthread_comm (/proc/PID/comm of kthreads gets " klpb_kthread"). Only
# get_kthread_comm may be patched: kthread_worker_fn only moves, and on 6.12
# kthreads sleep in it for their whole life, so patching it would keep the
# transition waiting for ever. The transition must end within 5 s of the
# insmod, well before the kernel's fake signals at 15 s.
sc_kthread_line_shift() {
	local workers
	klpb t_kshift "$(kver_patch 42-kthread-line-shift)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $(grep -cE '^klp-build:   (changed|new|copied) ' <<<"$output") -eq 1 ]]
	assert_output_has "changed kernel/kthread.o get_kthread_comm"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
n() { cat /proc/[0-9]*/comm 2>/dev/null | grep -c klpb_kthread; }
$KLPB_GUEST_WORKERS
mark before; n
t0=\$(klp_uptime_cs)
klp_insmod /klpb/t_kshift.ko 5; rc=\$?; t1=\$(klp_uptime_cs); mark insmod-rc; echo \$rc
mark transition-cs; echo \$((t1 - t0))
mark after; n
klp_disable t_kshift; rc=\$?; mark disable-rc; echo \$rc
mark disabled; n
rmmod t_kshift; rc=\$?; mark rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_kshift.ko"
	qemu_guest_out "$QEMU_LOG"
	workers=$(guest_after workers)
	# on 6.12 the hazard is there: kthreads live in kthread_worker_fn
	[[ $KLPB_KVER == 6.1 ]] || (( workers >= 1 ))
	[[ $(guest_after before) == 0 ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	(( $(guest_after transition-cs) < 500 ))
	(( $(guest_after after) >= 1 ))
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_kthread_loop refused|loads (issue 16): patches/43 really changes
# kthread_worker_fn, the thread function of every kthread_worker. Where
# kthreads run it (6.12: refused), the patch module's core refuses the patch
# at load, naming the kthreads and the function: nothing is patched, no
# transition is left waiting. Where none does (6.1: loads), the same change
# loads and its transition ends within 5 s: the check looks at the running
# kernel's kthreads, not at names.
sc_kthread_loop() {
	local expect=$1
	klpb t_kloop "$(kver_patch 43-kthread-worker-loop)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $(grep -cE '^klp-build:   (changed|new|copied) ' <<<"$output") -eq 1 ]]
	assert_output_has "changed kernel/kthread.o kthread_worker_fn"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KLPB_GUEST_WORKERS
insmod /klpb/t_kloop.ko; rc=\$?; mark insmod-rc; echo \$rc
klp_wait_transition t_kloop 5; rc=\$?; mark wait-rc; echo \$rc
mark sysfs; ls /sys/kernel/livepatch | grep -c t_kloop
mark refused; dmesg | grep -c 't_kloop: refusing the patch: the livepatch transition could never switch'
mark named; dmesg | grep -c 't_kloop: kernel thread .* runs kthread_worker_fn as its thread function: it stays in it'
klp_disable t_kloop; rc=\$?; mark disable-rc; echo \$rc
rmmod t_kloop; rc=\$?; mark rmmod-rc; echo \$rc
mark modules; grep -c '^t_kloop ' /proc/modules
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_kloop.ko"
	qemu_guest_out "$QEMU_LOG"
	case $expect in
	refused)
		(( $(guest_after workers) >= 1 ))
		[[ $(guest_after insmod-rc) != 0 ]]
		[[ $(guest_after sysfs) == 0 ]]
		(( $(guest_after refused) >= 1 ))
		(( $(guest_after named) >= 1 ))
		[[ $(guest_after modules) == 0 ]] ;;
	loads)
		[[ $(guest_after workers) == 0 ]]
		[[ $(guest_after insmod-rc) == 0 ]]
		[[ $(guest_after wait-rc) == 0 ]]
		[[ $(guest_after sysfs) == 1 ]]
		[[ $(guest_after refused) == 0 ]]
		[[ $(guest_after disable-rc) == 0 ]]
		[[ $(guest_after rmmod-rc) == 0 ]]
		[[ $(guest_after modules) == 0 ]] ;;
	*) echo "sc_kthread_loop: refused or loads, not '$expect'" >&2; return 1 ;;
	esac
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_orc_transition: ORC of patched code makes stack traces through it
# reliable. patches/21 patches do_nanosleep (and counts calls into a new
# global that cmdline_proc_show prints). A `sleep` then sleeps INSIDE the
# patch module's do_nanosleep while a second patch (--no-replace) loads: its
# transition must walk that task's stack through the module's code, which
# only the module's .orc_unwind tables allow. Control: the same module with
# its ORC sections stripped must leave the second transition stuck while the
# task sleeps.
sc_orc_transition() {
	klpb t_orc_a "$PATCHDIR/21-nanosleep-counter.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb t_orc_b --no-replace "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local out=$BATS_TEST_TMPDIR/out
	assert_section "$out/t_orc_a.ko" .orc_unwind
	mkdir -p "$out/noorc"
	objcopy --remove-section=.orc_unwind --remove-section=.orc_unwind_ip \
		--remove-section=.rela.orc_unwind_ip "$out/t_orc_a.ko" "$out/noorc/t_orc_a.ko"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
# $1: directory of t_orc_a.ko; prints the outcome of t_orc_b's transition
run() {
	klp_insmod $1/t_orc_a.ko; rc=$?; mark "$2-a-rc"; echo $rc
	sleep 1000 & pid=$!
	sleep 1
	mark "$2-sleeps"; grep -o 'klpb_sleeps=[0-9]*' /proc/cmdline
	insmod /klpb/t_orc_b.ko; rc=$?; mark "$2-b-rc"; echo $rc
	i=0; while [ "$(cat /sys/kernel/livepatch/t_orc_b/transition)" = 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	mark "$2-b-transition"; cat /sys/kernel/livepatch/t_orc_b/transition
	mark "$2-sleeper"; kill -0 $pid && echo asleep
	mark "$2-b-patched"; grep -c klpb_new_function /proc/version
	kill $pid; wait $pid
	klp_wait_transition t_orc_b
	klp_disable t_orc_b; rc=$?; mark "$2-b-disable-rc"; echo $rc
	rmmod t_orc_b
	klp_disable t_orc_a; rc=$?; mark "$2-a-disable-rc"; echo $rc
	rmmod t_orc_a; rc=$?; mark "$2-a-rmmod-rc"; echo $rc
}
run /klpb orc
run /klpb/noorc control
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$out/t_orc_a.ko" "$out/t_orc_b.ko" "$out/noorc"
	qemu_guest_out "$QEMU_LOG"
	local m
	for m in orc control; do
		[[ $(guest_after $m-a-rc) == 0 ]]
		[[ $(guest_after $m-b-rc) == 0 ]]
		[[ $(guest_after $m-sleeps) =~ ^klpb_sleeps=[1-9] ]]
		[[ $(guest_after $m-sleeper) == asleep ]]
		[[ $(guest_after $m-b-disable-rc) == 0 ]]
		[[ $(guest_after $m-a-disable-rc) == 0 ]]
		[[ $(guest_after $m-a-rmmod-rc) == 0 ]]
	done
	# with ORC: t_orc_b's transition completed while the task slept in t_orc_a
	[[ $(guest_after orc-b-transition) == 0 ]]
	[[ $(guest_after orc-b-patched) == 1 ]]
	# without: stuck on the task's unreliable stack (proves the test can fail)
	[[ $(guest_after control-b-transition) == 1 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_smp_locks: patches/22 puts a spinlock and a LOCK-prefixed atomic in
# cmdline_proc_show: .smp_locks entries (SMP kernels) and, where the kernel
# has paravirt spinlocks and .parainstructions (6.1), a pv call site; the
# module must carry them against its own text and the counter must count.
sc_smp_locks() {
	grep -qx 'CONFIG_SMP=y' "$KLPB_TEST_BUILD/.config" ||
		skip "CONFIG_SMP is off in the test kernel (no .smp_locks)"
	klpb t_locks "$PATCHDIR/22-cmdline-locks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local ko=$BATS_TEST_TMPDIR/out/t_locks.ko sec
	local -a want=(.smp_locks)
	if grep -qx 'CONFIG_PARAVIRT_SPINLOCKS=y' "$KLPB_TEST_BUILD/.config" &&
	   readelf -SW "$KLPB_TEST_BUILD/fs/proc/cmdline.o" "$KLPB_TEST_BUILD/kernel/locking/spinlock.o" 2>/dev/null |
		grep -qF ' .parainstructions '; then
		want+=(.parainstructions)
	fi
	local targets other
	for sec in "${want[@]}"; do
		assert_section "$ko" "$sec"
		# there are entries, and every one is relocated against the
		# module's own text
		targets=$(readelf -rW "$ko" | awk -v s=".rela$sec" '/^Relocation section/ { on = index($0, "'\''" s "'\''") > 0; next } on && $1 ~ /^[0-9a-f]+$/ { print $5 }')
		[[ -n $targets ]] || { echo "$sec: no relocated entries in $ko" >&2; return 1; }
		other=$(grep -vE '^(\.text|cmdline_proc_show)' <<<"$targets" || true)
		[[ -z $other ]] || { printf '%s entries not against patched text:\n%s\n' "$sec" "$other" >&2; return 1; }
	done
	echo "checked: ${want[*]}"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
show() { grep -o ' klpb_reads=[0-9]*' /proc/cmdline || echo unpatched; }
mark before; show
klp_insmod /klpb/t_locks.ko; rc=$?; mark insmod-rc; echo $rc
mark after-1; show
mark after-2; show
klp_disable t_locks; rc=$?; mark disable-rc; echo $rc
mark disabled; show
rmmod t_locks; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == unpatched ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after-1) == " klpb_reads=1" ]]
	[[ $(guest_after after-2) == " klpb_reads=2" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == unpatched ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_static_local: patches/23 changes get_next_ino() (fs/inode.c), whose
# static local shared_last_ino hands out batches of 1024 inode numbers and
# must stay the ORIGINAL storage (else numbering restarts at 1 and repeats),
# and adds a new static local (klpb_refills, new storage, counts from 0).
# Creating 1100 files on the rootfs forces a refill inside patched code.
sc_static_local() {
	grep -qx 'CONFIG_SMP=y' "$KLPB_TEST_BUILD/.config" ||
		skip "CONFIG_SMP is off in the test kernel (get_next_ino has no static local)"
	klpb t_static "$PATCHDIR/23-inode-static-local.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	# the original's static is reached through a livepatch symbol, or
	# without CONFIG_LIVEPATCH (the in-module core) through an anchor
	# relocation landing on it
	if klpb_noklp; then
		assert_anchor_ref "$BATS_TEST_TMPDIR/out/t_static.ko" .text.get_next_ino 'shared_last_ino(\.[0-9]+)?\+0x0'
	else
		readelf -sW "$BATS_TEST_TMPDIR/out/t_static.ko" | grep -qE '\.klp\.sym\.vmlinux\.shared_last_ino(\.[0-9]+)?,0$'
	fi
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mkdir -p /tmp/ino
: >/tmp/ino/first
mark first-ino; ls -i /tmp/ino/first | awk '{ print $1 }'
klp_insmod /klpb/t_static.ko; rc=$?; mark insmod-rc; echo $rc
i=0; while [ $i -lt 1100 ]; do : >/tmp/ino/f$i; i=$((i + 1)); done
mark last-ino; ls -i /tmp/ino/f1099 | awk '{ print $1 }'
mark refills; dmesg | grep -o 'klpb: get_next_ino refill [0-9]* next=[0-9]*'
klp_disable t_static; rc=$?; mark disable-rc; echo $rc
rmmod t_static; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_static.ko"
	qemu_guest_out "$QEMU_LOG"
	local first last refill
	first=$(guest_after first-ino) last=$(guest_after last-ino) refill=$(guest_after refills)
	echo "first=$first last=$last refill='$refill'"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $first =~ ^[0-9]+$ && $last =~ ^[0-9]+$ ]]
	# the new static counts from 1; the original static continued (a fresh one
	# would hand out next=1024, below the numbers already used)
	[[ $refill =~ ^klpb:\ get_next_ino\ refill\ 1\ next=([0-9]+)$ ]]
	(( BASH_REMATCH[1] > first ))
	# numbering went on past the first batch instead of restarting
	(( last > first && last > 1024 ))
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# sc_printk_index: the printk formats of patched code are indexed for the
# patch module (.printk_index entries kept, <debugfs>/printk/index/<module>).
sc_printk_index() {
	grep -qx 'CONFIG_PRINTK_INDEX=y' "$KLPB_TEST_BUILD/.config" ||
		skip "CONFIG_PRINTK_INDEX is off in the test kernel"
	klpb t_pindex "$PATCHDIR/13-cmdline-once-warn.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_section "$BATS_TEST_TMPDIR/out/t_pindex.ko" .printk_index
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mount -t debugfs debugfs /sys/kernel/debug
klp_insmod /klpb/t_pindex.ko; rc=$?; mark insmod-rc; echo $rc
mark index; grep -c 'cmdline_proc_show "klpb: patched cmdline_proc_show ran' /sys/kernel/debug/printk/index/t_pindex
mark vmlinux-index; grep -c 'klpb: patched' /sys/kernel/debug/printk/index/vmlinux
klp_disable t_pindex; rc=$?; mark disable-rc; echo $rc
rmmod t_pindex; rc=$?; mark rmmod-rc; echo $rc
mark gone; ls /sys/kernel/debug/printk/index/ | grep -c t_pindex
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_pindex.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after index) == 1 ]]
	[[ $(guest_after vmlinux-index) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after gone) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}
