# shellcheck shell=bash
# Common setup for test/integration/*.bats (bats `load ../lib/bats-common`).
# shellcheck disable=SC2034,SC2154 # variables for/from the bats tests
# shellcheck source=test/lib/kernel.sh
source "$(dirname "${BASH_SOURCE[0]}")/kernel.sh"
# shellcheck source=test/lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/qemu.sh"

PATCHDIR=$KLPB_REPO/test/integration/patches
KLPB_TEST_CFG=$KLPB_TEST_DIR/config

# In setup_file: make sure the cached test kernel exists (builds it once,
# through the driver's own "build original" stage, ~5-10 min on 2 cores).
klpb_need_kernel() {
	kernel_test_build >/dev/null || return 1
}

# In setup_file, for kernels other than the default: skip with the reason
# when Debian's linux-source-$KLPB_KVER is not installed (nor extracted).
klpb_need_source() {
	if [[ ! -r $KLPB_TARBALL && ! -f $KLPB_TEST_SRC/Makefile ]]; then
		skip "linux-source-$KLPB_KVER is not installed (apt-get install linux-source-$KLPB_KVER)"
	fi
}

# In setup/test: skip with the reason if the C tools or the template are missing.
klpb_need_tools() {
	local t
	for t in create-diff-object/create-diff-object klp-convert/klp-convert; do
		[[ -x $KLPB_REPO/$t ]] || skip "$t is not built yet (run make)"
	done
	for t in klpb-core.c klpb-begin.c klpb-end.c klpb-sizes.c klpb-meta.h; do
		[[ -f $KLPB_REPO/kmod-template/$t ]] || skip "kmod-template/$t is missing"
	done
}

# klpb NAME ARGS...: run the driver against the cached test kernel, output to
# $BATS_TEST_TMPDIR/out (bats `run` sets $status/$output).
klpb() {
	local name=$1
	shift
	mkdir -p "$BATS_TEST_TMPDIR/out"
	run "$KLPB_DRIVER" -a "$KLPB_ARCH" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" -n "$name" "$@"
}

# tree_fingerprint: names, sizes, mtimes, modes of every file of the test
# source tree, and the contents of the files the test patches touch.
tree_fingerprint() {
	{
		find "$KLPB_TEST_SRC" -printf '%P %y %s %T@ %m\n' | LC_ALL=C sort
		(cd "$KLPB_TEST_SRC" && sha256sum fs/proc/cmdline.c fs/proc/meminfo.c fs/proc/version.c \
			kernel/configs.c kernel/panic.c)
	} | sha256sum | cut -d' ' -f1
}

# build_fingerprint: the same for the object files of the build dir the tests
# use (the driver must not touch them either).
build_fingerprint() {
	(cd "$KLPB_TEST_BUILD" && sha256sum vmlinux fs/proc/cmdline.o fs/proc/meminfo.o \
		fs/proc/version.o kernel/configs.o kernel/configs.ko kernel/panic.o .klp-build-key) |
		sha256sum | cut -d' ' -f1
}

# assert_no_ko: no .ko (or temp file) left in the output dir
assert_no_ko() {
	local left
	left=$(find "$BATS_TEST_TMPDIR/out" -mindepth 1 2>/dev/null || true)
	if [[ -n $left ]]; then
		echo "output dir not empty: $left" >&2
		return 1
	fi
}

# Assertions that fail loudly.  Never write "! cmd" or "! a | b" in a test:
# bash's errexit ignores a negated command, so such a line cannot fail the
# test (it only counts when it happens to be the last line).  Use these.

# elf_sections ELF: readelf -SW of ELF; fails (and says so) when readelf
# cannot read it, so that an absent section is never "found absent" in an
# empty listing
elf_sections() {
	local out rc=0
	out=$(readelf -SW "$1" 2>&1) || rc=$?
	if [[ $rc -ne 0 || $out != *"Section Headers:"* ]]; then
		printf 'readelf -SW %s failed (exit %s):\n%s\n' "$1" "$rc" "$out" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# assert_section ELF NAME: ELF has a section called exactly NAME
assert_section() {
	local secs
	secs=$(elf_sections "$1") || return 1
	[[ $secs == *" $2 "* ]] || { echo "no section $2 in $1" >&2; return 1; }
}

# assert_no_section ELF NAME...: ELF (readable) has none of the sections NAME
assert_no_section() {
	local elf=$1 secs n
	shift
	secs=$(elf_sections "$elf") || return 1
	for n in "$@"; do
		[[ $secs != *" $n "* ]] || { echo "unexpected section $n in $elf" >&2; return 1; }
	done
}

# refute_grep ERE TEXT: no line of TEXT matches the extended regex ERE.
# TEXT must not be empty: the output of a command that did not run matches
# nothing, which would prove nothing.
refute_grep() {
	local hits rc=0
	[[ -n $1 ]] || { echo "refute_grep: empty pattern" >&2; return 1; }
	[[ -n $2 ]] || { echo "refute_grep: empty text to search for /$1/" >&2; return 1; }
	hits=$(grep -E -- "$1" <<<"$2") || rc=$?
	case $rc in
	0) printf 'expected no line matching /%s/, found:\n%s\n' "$1" "$hits" >&2; return 1 ;;
	1) return 0 ;;
	*) echo "refute_grep: grep failed on /$1/ (exit $rc)" >&2; return 1 ;;
	esac
}

# unified_diff PATH ORIG NEW: print a -p1 patch of PATH (a/PATH, b/PATH)
# turning ORIG into NEW; fails unless diff says they differ (exit 1: not a
# missing file, exit 2, nor identical files, an empty patch)
unified_diff() {
	local rc=0
	diff -u --label "a/$1" --label "b/$1" "$2" "$3" || rc=$?
	[[ $rc -eq 1 ]] || { echo "unified_diff $1: diff exit $rc, expected 1 (files differ)" >&2; return 1; }
}

# klp_syms KO OBJ: the names of KO's livepatch symbols of object OBJ
# (.klp.sym.OBJ.NAME,POS), one per line
klp_syms() {
	readelf -sW "$1" | awk -v p=".klp.sym.$2." 'index($NF, p) == 1 { s = substr($NF, length(p) + 1); sub(/,[0-9]+$/, "", s); print s }' |
		LC_ALL=C sort -u
}

# assert_klp_syms_in_vmlinux KO: KO has livepatch symbols of vmlinux, and
# each names a symbol of the test kernel's vmlinux (a livepatch relocation
# to a name vmlinux lacks would only fail when the module loads)
assert_klp_syms_in_vmlinux() {
	local names missing
	names=$(klp_syms "$1" vmlinux)
	[[ -n $names ]] || { echo "$1: no livepatch symbols of vmlinux" >&2; return 1; }
	missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$names") \
		<(readelf -sW "$KLPB_TEST_BUILD/vmlinux" | awk 'NR > 3 { print $NF }' | LC_ALL=C sort -u))
	if [[ -n $missing ]]; then
		printf '%s: livepatch symbols that vmlinux lacks:\n%s\n' "$1" "$missing" >&2
		return 1
	fi
}

# klpb_noklp: the test kernel has no CONFIG_LIVEPATCH (arm64, arm): patch
# modules carry klp-build's in-module core, and their references to vmlinux
# symbols are anchor relocations, not .klp.rela/.klp.sym
klpb_noklp() {
	! grep -qx 'CONFIG_LIVEPATCH=y' "$KLPB_TEST_BUILD/.config"
}

# assert_anchor_ref KO SECTION ERE: a patch module of the in-module core
# reaches a vmlinux symbol from SECTION through an anchor relocation (an
# exported symbol plus the link-time distance, test/lib/anchor-refs.py):
# one of SECTION's relocations lands, in the test kernel's System.map, on
# a name+offset matching ERE (anchored at both ends)
assert_anchor_ref() {
	local refs
	refs=$(python3 "$KLPB_REPO/test/lib/anchor-refs.py" "$1" "$KLPB_TEST_BUILD/System.map") || return 1
	if ! awk -v s="$2" '$1 == s { print $4 }' <<<"$refs" | grep -qxE -- "$3"; then
		printf '%s: no anchor relocation of %s lands on /%s/; its vmlinux references:\n%s\n' "$1" "$2" "$3" "$refs" >&2
		return 1
	fi
	awk -v s="$2" '$1 == s' <<<"$refs" | grep -E -- " $3\$"
}

# assert_reloc_to KO SECTION ERE: a relocation of KO's SECTION (its .rel or
# .rela section) is against a symbol whose name matches ERE (whole name)
assert_reloc_to() {
	local names
	names=$(readelf -rW "$1" | awk -v a="'.rel$2'" -v b="'.rela$2'" \
		'/^Relocation section/ { on = ($3 == a || $3 == b); next } on && $1 ~ /^[0-9a-f]+$/ && NF >= 5 { print $5 }')
	if ! grep -qxE -- "$3" <<<"$names"; then
		printf '%s: no relocation of %s against /%s/; its symbols:\n%s\n' "$1" "$2" "$3" "$names" >&2
		return 1
	fi
}

# assert_output_has STRING: $output (from run) contains STRING
assert_output_has() {
	if [[ $output != *"$1"* ]]; then
		printf 'expected output to contain: %s\n--- output:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# expect_eq WHAT GOT WANT: string equality with a readable failure
expect_eq() {
	if [[ $2 != "$3" ]]; then
		printf '%s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3" >&2
		return 1
	fi
}

# guest_after MARK: the line after "KLPB: MARK" in the guest output
guest_after() {
	qemu_guest_out "$QEMU_LOG" | awk -v m="KLPB: $1" '$0 == m { getline; print; exit }'
}

# assert_guest_lacks MARK TEXT: the guest printed a line after "KLPB: MARK"
# and it does not contain TEXT (a missing line would lack TEXT trivially)
assert_guest_lacks() {
	local line
	line=$(guest_after "$1")
	[[ -n $line ]] || { echo "guest printed nothing after KLPB: $1" >&2; return 1; }
	[[ $line != *"$2"* ]] || { printf 'after KLPB: %s: "%s" contains "%s"\n' "$1" "$line" "$2" >&2; return 1; }
}

# lp_refuse_init [PATCH]: a changed __init function (proc_cmdline_init;
# PATCH defaults to the one for the test kernel: 06-cmdline-init.patch on
# 6.1, 24-cmdline-init-6.12.patch on 6.12) is refused, naming the function
# and the reason (exit status 3, refused); no module written (any KLPB_ARCH, nothing booted)
lp_refuse_init() {
	local patch=${1:-}
	if [[ -z $patch ]]; then
		case $KLPB_KVER in
		6.1) patch=06-cmdline-init.patch ;;
		*) patch=24-cmdline-init-$KLPB_KVER.patch ;;
		esac
	fi
	klpb p_init "$PATCHDIR/$patch"
	echo "$output"
	[ "$status" -eq 3 ]
	assert_output_has "proc_cmdline_init in section .init.text: changed __init/__exit function"
	assert_no_ko
}

# noklp_boot UNAME: a test kernel without CONFIG_LIVEPATCH (arm64, arm)
# boots to init on its console with a clean dmesg, uname -m is UNAME, no
# /sys/kernel/livepatch, ftrace lists its functions
noklp_boot() {
	local uname=$1
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mark uname; uname -m
mark cmdline; cat /proc/cmdline
mark livepatch; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
mark ftrace; grep -c . /sys/kernel/debug/tracing/available_filter_functions 2>/dev/null ||
	{ mount -t debugfs none /sys/kernel/debug && grep -c . /sys/kernel/debug/tracing/available_filter_functions; }
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after uname) == "$uname" ]]
	[[ $(guest_after cmdline) == *console=$KLPB_CONSOLE* ]]
	[[ $(guest_after livepatch) == none ]]
	[[ $(guest_after ftrace) -gt 1000 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# test_module DIR: build the out-of-tree module in DIR (its Kbuild) against
# the test build dir
test_module() {
	make -C "$KLPB_TEST_BUILD" "${KLPB_MAKE_ARGS[@]}" M="$1" modules >"$1/build.log" 2>&1 ||
		{ cat "$1/build.log"; return 1; }
}

# filler_module DIR: build klpb_filler.ko in DIR, a module that does
# nothing: loaded after a module is removed it takes the place that module
# left, so that the module's next load lands elsewhere (the reload cases
# prove that what the patch found follows the module).  The guest loads it
# as /klpb/filler/klpb_filler.ko when DIR is passed to qemu_test.
filler_module() {
	mkdir -p "$1"
	printf '#include <linux/module.h>\nstatic int __init f_init(void) { return 0; }\nmodule_init(f_init);\nMODULE_LICENSE("GPL");\n' >"$1/klpb_filler.c"
	echo 'obj-m := klpb_filler.o' >"$1/Kbuild"
	test_module "$1"
}

# late_module_run NAME MODKO OBJ PRELUDE [TAIL]: late module patching of
# OBJ (a module name, as in /proc/modules) by the patch module NAME (built,
# in $BATS_TEST_TMPDIR/out), MODKO being OBJ's .ko, booted in one guest:
#   the patch loaded BEFORE OBJ (not patched), OBJ loaded (patched from its
#   COMING notifier), removed (not patched), loaded again elsewhere (a
#   filler module takes its old place), the patch disabled and removed;
#   then the patch loaded AFTER OBJ, OBJ removed while patched, the patch
#   disabled and removed while OBJ is not there, OBJ back (the original).
# PRELUDE (guest shell) defines check, which prints what the patched
# function shows, and where, which prints the address of a symbol of OBJ
# from /proc/kallsyms (the reload must move it, else it proves nothing);
# it may define pre STEP and post STEP, run before and after the check of
# each step (what the case does to reach the patched code); TAIL runs at
# the end.  In the guest, $name and $obj are set.  Marks (guest_after):
#   insmod-rc objs funcdir early-patched early module-rc late-patched late
#   module-rmmod-rc gone-patched gone module-reload-rc moved
#   reloaded-patched reloaded disable-rc disabled rmmod-rc after-rc
#   after-patched after module-rmmod2-rc after-gone-patched disable2-rc
#   rmmod2-rc module-back-rc back
# and those PRELUDE's hooks and TAIL make; the steps, for pre and post:
# early late gone reloaded disabled after back.  late_module_expect checks
# what does not depend on the case.
late_module_run() {
	local name=$1 modko=$2 obj=$3 prelude=$4 tail=${5:-} d=$BATS_TEST_TMPDIR/filler
	filler_module "$d"
	{
		printf 'name=%s obj=%s modko=/klpb/%s\n' "$name" "$obj" "${modko##*/}"
		echo 'pre() { :; }; post() { :; }'
		printf '%s\n' "$prelude"
		cat <<'GUEST'
step() { pre $1; mark $1; check; post $1; }
patched() { cat /sys/kernel/livepatch/$name/$obj/patched; }
insmod /klpb/$name.ko; rc=$?; mark insmod-rc; echo $rc
mark objs; ls /sys/kernel/livepatch/$name | tr '\n' ' '; echo
mark funcdir; ls /sys/kernel/livepatch/$name/$obj | grep -v patched
mark early-patched; patched
step early
insmod $modko; rc=$?; mark module-rc; echo $rc
a1=$(where)
mark late-patched; patched
step late
rmmod $obj; rc=$?; mark module-rmmod-rc; echo $rc
mark gone-patched; patched
step gone
insmod /klpb/filler/klpb_filler.ko
insmod $modko; rc=$?; mark module-reload-rc; echo $rc
mark moved; a2=$(where); if [ -n "$a1" ] && [ "$a2" != "$a1" ]; then echo moved; else echo "same '$a1' '$a2'"; fi
mark reloaded-patched; patched
step reloaded
klp_disable $name; rc=$?; mark disable-rc; echo $rc
step disabled
rmmod $name; rc=$?; mark rmmod-rc; echo $rc
insmod /klpb/$name.ko; rc=$?; mark after-rc; echo $rc
mark after-patched; patched
step after
rmmod $obj; rc=$?; mark module-rmmod2-rc; echo $rc
mark after-gone-patched; patched
klp_disable $name; rc=$?; mark disable2-rc; echo $rc
rmmod $name; rc=$?; mark rmmod2-rc; echo $rc
insmod $modko; rc=$?; mark module-back-rc; echo $rc
step back
GUEST
		printf '%s\n' "$tail"
	} >"$BATS_TEST_TMPDIR/guest.sh"
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$modko" "$d"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|$name|unwind" || true
}

# configs_reload_boot NAME [TAIL]: late_module_run and its checks for the
# patch module NAME of patches/42 (ikconfig_read_current of configs.ko
# marks /proc/config.gz's first line "klpb_configs_reload SIZE ops=1",
# reading configs' static config_gz_proc_ops and its labels
# kernel_config_data(_end)): patched whenever configs is loaded and the
# patch enabled (twice after the reload: the slots stay filled), the
# original otherwise; TAIL as late_module_run's
configs_reload_boot() {
	local name=$1 size
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	late_module_run "$name" "$KLPB_TEST_BUILD/kernel/configs.ko" configs "$(
		cat <<'GUEST'
check() { [ -e /proc/config.gz ] || { echo absent; return; }; head -c 64 /proc/config.gz | grep -a klpb_configs_reload || echo "original $(wc -c </proc/config.gz)"; }
where() { awk '$3 == "ikconfig_read_current" && $4 == "[configs]" { print $1 }' /proc/kallsyms; }
post() { [ "$1" != reloaded ] || { mark reloaded-again; check; }; }
GUEST
	)" "${2:-}"
	late_module_expect "$name" configs
	expect_eq funcdir "$(guest_after funcdir)" "ikconfig_read_current,1"
	expect_eq late "$(guest_after late)" "klpb_configs_reload $size ops=1"
	expect_eq "patched after the reload" "$(guest_after reloaded)" "klpb_configs_reload $size ops=1"
	expect_eq again "$(guest_after reloaded-again)" "klpb_configs_reload $size ops=1"
	expect_eq disabled "$(guest_after disabled)" "original $size"
	expect_eq after "$(guest_after after)" "klpb_configs_reload $size ops=1"
	expect_eq "configs back, unpatched" "$(guest_after back)" "original $size"
}

# late_module_expect NAME OBJ: what late_module_run's guest must show
# whatever the case: every load, removal and disable worked, "patched" is 1
# exactly while OBJ is loaded and the patch enabled, OBJ "absent" (check)
# while it is not loaded, its reload landed elsewhere, the kernel logged
# two patchings of a loading OBJ and two revertings of an unloading one,
# clean dmesg
late_module_expect() {
	local name=$1 obj=$2 m
	for m in insmod-rc module-rc module-rmmod-rc module-reload-rc disable-rc rmmod-rc after-rc \
		module-rmmod2-rc disable2-rc rmmod2-rc module-back-rc; do
		expect_eq "$m" "$(guest_after "$m")" 0
	done
	# the patch's sysfs dir: its object dir beside the attributes (ls sorts)
	expect_eq "object directories" "$(guest_after objs)" \
		"$(printf '%s\n' "$obj" enabled replace transition | LC_ALL=C sort | tr '\n' ' ')"
	expect_eq "$obj not loaded: not patched" "$(guest_after early-patched)" 0
	expect_eq "patched once $obj loaded" "$(guest_after late-patched)" 1
	expect_eq "$obj gone: not patched" "$(guest_after gone-patched)" 0
	expect_eq "$obj reloaded: patched" "$(guest_after reloaded-patched)" 1
	expect_eq "patch loaded after $obj: patched" "$(guest_after after-patched)" 1
	expect_eq "$obj removed while patched: not patched" "$(guest_after after-gone-patched)" 0
	expect_eq "$obj loaded elsewhere (else the reload proves nothing)" "$(guest_after moved)" moved
	expect_eq "early: $obj absent" "$(guest_after early)" absent
	expect_eq "gone: $obj absent" "$(guest_after gone)" absent
	# the kernel's log lines: two loads after the patch, two unloads while patched
	expect_eq "'applying patch' lines" \
		"$(qemu_dmesg "$QEMU_LOG" | grep -c "livepatch: applying patch '$name' to loading module '$obj'")" 2
	expect_eq "'reverting patch' lines" \
		"$(qemu_dmesg "$QEMU_LOG" | grep -c "livepatch: reverting patch '$name' on unloading module '$obj'")" 2
	qemu_dmesg_clean "$QEMU_LOG"
}

# noklp_consistency NAME: the in-module core (arm64, 32-bit arm) switches
# only when no task has a function being replaced on its stack. patches/21
# changes do_nanosleep (and counts its calls in /proc/cmdline): with a
# `sleep` inside the kernel's do_nanosleep the load fails, naming the task
# and the function; once it is gone the load works; with a `sleep` inside
# the patch module's do_nanosleep "echo 0 > enabled" fails and the patch
# stays; once it is gone, disable and rmmod work; clean dmesg.
# noklp_consistency_run NAME [BEFORE [AFTER]]: the patch module NAME of
# 21-nanosleep-counter.patch built, the guest script of the consistency
# cases booted (marks pid, busy-state, busy-insmod-rc, busy-show,
# busy-lsmod, insmod-rc, pid2, busy2-state, show, busy-disable-rc,
# busy-enabled, busy-disabled-show, disable-rc, disabled-show, rmmod-rc),
# with the guest commands BEFORE ahead of it and AFTER behind it; the
# callers check.  The sleeping tasks are started by the guest function
# `sleeper N` (N: 1 before the load, 2 before the disable), which runs
# `sleep 1000` in the background and sets pid; BEFORE may redefine it
# (it must still end in that sleep, and set pid).
noklp_consistency_run() {
	local name=$1 before=${2:-} after=${3:-} ko
	klpb "$name" "$PATCHDIR/21-nanosleep-counter.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	ko=$BATS_TEST_TMPDIR/out/$name.ko
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
sleeper() { sleep 1000 & pid=\$!; }
$before
show() { grep -o ' klpb_sleeps=[0-9]*' /proc/cmdline || echo unpatched; }
sleeper 1
sleep 1
mark pid; echo \$pid
mark busy-state; cut -d' ' -f2,3 /proc/\$pid/stat
insmod /klpb/$name.ko; rc=\$?; mark busy-insmod-rc; echo \$rc
mark busy-show; show
mark busy-lsmod; grep -c "^$name " /proc/modules
kill \$pid; wait \$pid
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
sleeper 2
sleep 1
mark pid2; echo \$pid
mark busy2-state; cut -d' ' -f2,3 /proc/\$pid/stat
mark show; show
echo 0 > /sys/kernel/livepatch/$name/enabled; rc=\$?; mark busy-disable-rc; echo \$rc
mark busy-enabled; cat /sys/kernel/livepatch/$name/enabled
mark busy-disabled-show; show
kill \$pid; wait \$pid
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled-show; show
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
$after
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch" || true
}

noklp_consistency() {
	local name=$1
	noklp_consistency_run "$name"
	# the premise: each `sleep 1000` still sleeps a second after its start
	# (a 32-bit userland on a kernel without COMPAT_32BIT_TIME gets ENOSYS
	# from nanosleep and busybox's sleep exits at once)
	[[ $(guest_after busy-state) == "(sleep) S" ]]
	[[ $(guest_after busy2-state) == "(sleep) S" ]]
	[[ $(guest_after busy-insmod-rc) != 0 ]]
	[[ $(guest_after busy-show) == unpatched ]]
	[[ $(guest_after busy-lsmod) == 0 ]]
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': patching refused: task [0-9]+ \(sleep\) is in do_nanosleep \(do_nanosleep\+0x"
	[[ $(guest_after insmod-rc) == 0 ]]
	# the two sleeps since the patch: both through the new do_nanosleep
	[[ $(guest_after show) == " klpb_sleeps=2" ]]
	[[ $(guest_after busy-disable-rc) != 0 ]]
	[[ $(guest_after busy-enabled) == 1 ]]
	[[ $(guest_after busy-disabled-show) == " klpb_sleeps=2" ]]
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': unpatching refused: task [0-9]+ \(sleep\) is in the patched do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+ \[$name\]\)"
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled-show) == unpatched ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# noklp_livepatch_refused: a module marked MODULE_INFO(livepatch, "Y") is
# refused by a kernel without CONFIG_LIVEPATCH
noklp_livepatch_refused() {
	local d=$BATS_TEST_TMPDIR/lpinfo
	mkdir -p "$d"
	cat >"$d/lpinfo.c" <<'EOF'
#include <linux/module.h>
static int __init lpinfo_init(void) { return 0; }
module_init(lpinfo_init);
MODULE_INFO(livepatch, "Y");
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := lpinfo.o' >"$d/Kbuild"
	test_module "$d"
	cat >"$d/guest.sh" <<'GUEST'
insmod /klpb/lpinfo.ko; rc=$?; mark insmod-rc; echo $rc
mark lsmod; lsmod | grep -c lpinfo
GUEST
	qemu_test "$d/guest.sh" "$d/lpinfo.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) != 0 ]]
	[[ $(guest_after lsmod) == 0 ]]
	qemu_dmesg "$QEMU_LOG" | grep -F 'lpinfo: module is marked as livepatch module, but livepatch support is disabled'
}

# smoke_sample: the kernel's own samples/livepatch/livepatch-sample.c, built
# out of tree against the test build dir, loads, patches /proc/cmdline,
# disables and unloads cleanly on the booted test kernel (any KLPB_ARCH).
smoke_sample() {
	local d=$BATS_TEST_TMPDIR/sample
	mkdir -p "$d"
	cp "$KLPB_TEST_SRC/samples/livepatch/livepatch-sample.c" "$d/"
	echo 'obj-m := livepatch-sample.o' >"$d/Kbuild"
	test_module "$d"
	cat >"$d/guest.sh" <<'GUEST'
mark before; cat /proc/cmdline
insmod /klpb/livepatch-sample.ko; rc=$?; mark insmod-rc; echo $rc
klp_wait_transition livepatch_sample
mark after; cat /proc/cmdline
klp_disable livepatch_sample; rc=$?; mark disable-rc; echo $rc
mark disabled; cat /proc/cmdline
rmmod livepatch_sample; rc=$?; mark rmmod-rc; echo $rc
mark lsmod; lsmod | grep -c livepatch_sample
GUEST
	qemu_test "$d/guest.sh" "$d/livepatch-sample.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == *console=$KLPB_CONSOLE* ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "this has been live patched" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == *console=$KLPB_CONSOLE* ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after lsmod) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# lifecycle NAME CHECK [FILES...]: guest script running CHECK (one line of
# output) before, after insmod, after disable, after rmmod of NAME.ko; the
# three steps succeed and dmesg stays clean (unless LIFECYCLE_DMESG=any: the
# caller checks it).
lifecycle() {
	local name=$1 check=$2
	shift 2
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { $check; }
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$@"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ ${LIFECYCLE_DMESG:-clean} == any ]] || qemu_dmesg_clean "$QEMU_LOG"
}

# /proc/config.gz as the test module kernel/configs.ko serves it: the patched
# text (05-configs-module.patch) or "original SIZE"
# shellcheck disable=SC2016 # expanded in the guest
CONFIGS_CHECK='if head -c 20 /proc/config.gz | grep -q klpb_configs_patched; then cat /proc/config.gz; else echo "original $(wc -c </proc/config.gz)"; fi'

# configs_early_case NAME: 05-configs-module.patch patches kernel/configs.ko
# (=m), loaded BEFORE the patch module.
configs_early_case() {
	local name=$1
	klpb "$name" "$PATCHDIR/05-configs-module.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local size
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { $CONFIGS_CHECK; }
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
rmmod configs; rc=\$?; mark configs-rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after before) == "original $size" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_configs_patched $size" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "original $size" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "original $size" ]]
	[[ $(guest_after configs-rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# configs_late_case NAME: 05-configs-module.patch patches kernel/configs.ko
# (=m), loaded AFTER the patch module: the loader applies the module's
# livepatch relocations then (late patching).
configs_late_case() {
	local name=$1 size
	klpb "$name" "$PATCHDIR/05-configs-module.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { $CONFIGS_CHECK; }
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
klp_wait_transition $name
mark after; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_configs_patched $size" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "original $size" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == "original $size" ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# lp_busy_loop NAME: disable and unload while tasks loop through the patched
# function (any KLPB_ARCH). patches/01 changes cmdline_proc_show; two
# background loops in the guest read /proc/cmdline without pause (the
# shell's read builtin: no fork, one process each), from before the insmod
# through enable, disable and rmmod, counting reads: total, patched text,
# original text ("N P O" in /tmp/busy.I after each read). Between two
# snapshots a second apart (each taken a second after the step, so that a
# read begun before it is counted): after the insmod every loop read only
# the patched text, after the disable only the original, after the rmmod
# the loops are alive and kept reading the original. insmod, disable, rmmod
# return 0; clean dmesg.
lp_busy_loop() {
	local name=$1 i s a b
	klpb "$name" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
busy() {
	n=0 p=0 o=0
	while :; do
		read -r c </proc/cmdline
		case \$c in *" klpb_one_function") p=\$((p + 1)) ;; *) o=\$((o + 1)) ;; esac
		n=\$((n + 1))
		echo "\$n \$p \$o" >/tmp/busy.\$1
	done
}
# a snapshot of loop I (the file is empty for an instant while rewritten)
st() { s=; while [ -z "\$s" ]; do s=\$(cat /tmp/busy.\$1 2>/dev/null); done; echo "\$s"; }
snap() { sleep 1; for i in 1 2; do mark "\$1-a-\$i"; st \$i; done; sleep 1; for i in 1 2; do mark "\$1-b-\$i"; st \$i; done; }
busy 1 & p1=\$!
busy 2 & p2=\$!
snap before
insmod /klpb/$name.ko; rc=\$?; klp_wait_transition $name; mark insmod-rc; echo \$rc
snap enabled
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
snap disabled
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
snap removed
mark alive; kill -0 \$p1 && kill -0 \$p2 && echo yes
kill \$p1 \$p2; wait \$p1 \$p2
mark lsmod; grep -c "^$name " /proc/modules
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after alive) == yes ]]
	[[ $(guest_after lsmod) == 0 ]]
	# per step and loop: reads between the two snapshots, and which text
	for s in before enabled disabled removed; do
		for i in 1 2; do
			read -r -a a <<<"$(guest_after "$s-a-$i")"
			read -r -a b <<<"$(guest_after "$s-b-$i")"
			[[ ${#a[@]} == 3 && ${#b[@]} == 3 ]] || { echo "$s loop $i: no counts" >&2; return 1; }
			echo "$s loop $i: $((b[0] - a[0])) reads, $((b[1] - a[1])) patched, $((b[2] - a[2])) original (total ${b[*]})"
			(( b[0] > a[0] )) || { echo "$s: loop $i made no progress" >&2; return 1; }
			if [[ $s == enabled ]]; then
				(( b[1] > a[1] && b[2] == a[2] )) || { echo "$s: loop $i read other than the patched text" >&2; return 1; }
			else
				(( b[2] > a[2] && b[1] == a[1] )) || { echo "$s: loop $i read other than the original text" >&2; return 1; }
			fi
		done
	done
	qemu_dmesg_clean "$QEMU_LOG"
}
