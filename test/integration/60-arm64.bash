# shellcheck shell=bash
# arm64 cases shared by 60-arm64-6.1.bats and 61-arm64-6.12.bats (issue 10,
# groundwork): each a64_* function is one @test body, run against the test
# kernel that test/lib/kernel.sh selects (KLPB_ARCH=arm64, KLPB_KVER).  These
# kernels have no CONFIG_LIVEPATCH (arm64 has no HAVE_LIVEPATCH on 6.1/6.12);
# the cases check the kernel itself and klp-build's in-module core
# (kmod-template/klpb-ftrace.c).  The hand-written prototype of the
# redirection (test/integration/arm64-redirect) is retired: the core's
# cases carry what it proved (a64_stackargs its function with stack
# arguments).
# shellcheck disable=SC2016,SC2154 # guest checks are literal; bats variables

# In setup_file: skip with the reason when the cross tools are missing.
a64_need_tools() {
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		skip "aarch64-linux-gnu-gcc missing (make setup: gcc-aarch64-linux-gnu)"
	command -v qemu-system-aarch64 >/dev/null || skip "qemu-system-aarch64 missing (make setup: qemu-system-arm)"
	[[ -x $KLPB_BUSYBOX ]] || skip "arm64 busybox missing in $KLPB_BUSYBOX (make setup)"
}

# the test kernel: arm64, no livepatch, ftrace with the flavour of KLPB_KVER
# (6.1: DYNAMIC_FTRACE_WITH_REGS; 6.12: WITH_ARGS only), two NOPs at every
# function entry
a64_config() {
	local cfg=$KLPB_TEST_BUILD/.config c
	for c in CONFIG_ARM64 CONFIG_MODULES CONFIG_MODULE_UNLOAD CONFIG_DYNAMIC_FTRACE CONFIG_KALLSYMS_ALL \
		 CONFIG_SERIAL_AMBA_PL011_CONSOLE CONFIG_JUMP_LABEL CONFIG_SMP; do
		grep -qx "$c=y" "$cfg" || { echo "$c not set" >&2; return 1; }
	done
	for c in CONFIG_LIVEPATCH CONFIG_HAVE_LIVEPATCH CONFIG_HAVE_RELIABLE_STACKTRACE; do
		! grep -q "^$c=y" "$cfg" || { echo "$c is set" >&2; return 1; }
	done
	if [[ $KLPB_VARIANT == *kaslr* ]]; then
		# module PLTs: an option on 6.1 (selected by RANDOMIZE_BASE), always built on 6.12
		local need=(CONFIG_RANDOMIZE_BASE CONFIG_RANDOMIZE_MODULE_REGION_FULL)
		[[ $KLPB_KVER != 6.1 ]] || need+=(CONFIG_ARM64_MODULE_PLTS)
		for c in "${need[@]}"; do
			grep -qx "$c=y" "$cfg" || { echo "$c not set" >&2; return 1; }
		done
	else
		if grep -q '^CONFIG_RANDOMIZE_BASE=y' "$cfg"; then echo "CONFIG_RANDOMIZE_BASE is set" >&2; return 1; fi
	fi
	if [[ $KLPB_KVER == 6.1 ]]; then
		grep -qx CONFIG_DYNAMIC_FTRACE_WITH_REGS=y "$cfg"
	else
		grep -qx CONFIG_DYNAMIC_FTRACE_WITH_ARGS=y "$cfg"
		if grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_REGS=y' "$cfg"; then echo "WITH_REGS on 6.12" >&2; return 1; fi
	fi
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q AArch64
	# the ftrace site: two NOPs at cmdline_proc_show+0, recorded in
	# __patchable_function_entries of its object
	aarch64-linux-gnu-objdump -d --disassemble=cmdline_proc_show "$KLPB_TEST_BUILD/fs/proc/cmdline.o" |
		awk '/<cmdline_proc_show>:/ { f = 1; next } f && NF { print; if (++n == 2) exit }' >"$BATS_TEST_TMPDIR/entry"
	cat "$BATS_TEST_TMPDIR/entry"
	[[ $(grep -c $'\tnop' "$BATS_TEST_TMPDIR/entry") == 2 ]]
	readelf -SW "$KLPB_TEST_BUILD/fs/proc/cmdline.o" | grep -q __patchable_function_entries
	local value entry
	value=$(readelf -sW "$KLPB_TEST_BUILD/fs/proc/cmdline.o" | awk '$8 == "cmdline_proc_show" { print $2 }')
	entry=$(readelf -rW "$KLPB_TEST_BUILD/fs/proc/cmdline.o" |
		awk '/__patchable_function_entries/ { f = 1; next } /^Relocation section/ { f = 0 } f && $5 ~ /cmdline_proc_show/ { print $5, $6, $7; exit }')
	echo "cmdline_proc_show at $value of its section; __patchable_function_entries: $entry"
	if [[ $KLPB_VARIANT == o2* ]]; then
		grep -qx CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y "$cfg"
	else
		grep -qx CONFIG_CC_OPTIMIZE_FOR_SIZE=y "$cfg"
	fi
	if [[ $KLPB_VARIANT == o2* && $KLPB_KVER != 6.1 ]]; then
		# -O2 on 6.12: DYNAMIC_FTRACE_WITH_CALL_OPS, -fpatchable-function-entry=4,2
		# (two more NOPs before the symbol, the ftrace_ops literal; the
		# entry names the first of them), 8-byte aligned functions
		grep -qx CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS=y "$cfg"
		[[ $((16#$value)) == 8 ]]
		[[ $entry == ".text.cmdline_proc_show + 0" ]]
		aarch64-linux-gnu-objdump -d -j .text.cmdline_proc_show "$KLPB_TEST_BUILD/fs/proc/cmdline.o" |
			awk '/^ +[0-9a-f]+:/ { print; if (++n == 2) exit }' >"$BATS_TEST_TMPDIR/pre"
		cat "$BATS_TEST_TMPDIR/pre"
		[[ $(grep -c $'\tnop' "$BATS_TEST_TMPDIR/pre") == 2 ]]
	else
		# -Os, and -O2 on 6.1 (no CALL_OPS there): the two NOPs at the entry only
		if grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS=y' "$cfg"; then echo "CALL_OPS set" >&2; return 1; fi
		[[ $((16#$value)) == 0 ]]
	fi
}

# a64_lp_one NAME: `klp-build -a arm64` on a kernel without CONFIG_LIVEPATCH
# builds a patch module for one changed function (cmdline_proc_show) with
# klp-build's in-module core (kmod-template/klpb-ftrace.c): no livepatch
# marker, vmlinux references as anchor relocations the loader applies; in the
# guest /sys/kernel/livepatch/NAME appears with enabled=1, transition=0,
# vmlinux/patched=1 and vmlinux/cmdline_proc_show,1, the kernel's log
# lines, no rmmod while enabled; echo 0 > enabled restores the function and
# removes the directory, rmmod works; clean dmesg. The user's tree is left
# alone.
a64_lp_one() {
	local name=$1 before ko
	before=$(tree_fingerprint)
	klpb "$name" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tree_fingerprint)" = "$before" ]
	assert_output_has "no CONFIG_LIVEPATCH: the module gets klp-build's in-module core"
	ko=$BATS_TEST_TMPDIR/out/$name.ko
	[[ -z $(modinfo -F livepatch "$ko") ]]
	assert_no_section "$ko" .klp.relocs .klp.strings
	# no livepatch relocation sections or symbols: the loader would skip them
	refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$ko")"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { cat /proc/cmdline; }
mark before; check
mark root-before; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark enabled; cat /sys/kernel/livepatch/$name/enabled
mark transition; cat /sys/kernel/livepatch/$name/transition
mark patched; cat /sys/kernel/livepatch/$name/vmlinux/patched
mark funcdir; ls /sys/kernel/livepatch/$name/vmlinux | grep -v patched
mark taint; cat /proc/sys/kernel/tainted
rmmod $name 2>/dev/null; rc=\$?; mark rmmod-enabled-rc; echo \$rc
mark still; check
echo 1 > /sys/kernel/livepatch/$name/enabled 2>/dev/null; rc=\$?; mark enable-again-rc; echo \$rc
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
mark dir-disabled; ls -d /sys/kernel/livepatch/$name 2>/dev/null || echo gone
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
mark root-removed; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|$name" || true
	assert_guest_lacks before klpb_one_function
	[[ $(guest_after root-before) == none ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == *console=$KLPB_CONSOLE*" klpb_one_function" ]]
	[[ $(guest_after enabled) == 1 ]]
	[[ $(guest_after transition) == 0 ]]
	# the kernel's layout: <object>/patched, <object>/<function,sympos>
	[[ $(guest_after patched) == 1 ]]
	[[ $(guest_after funcdir) == "cmdline_proc_show,1" ]]
	# TAINT_LIVEPATCH (bit 15), as the kernel's core sets it
	(( $(guest_after taint) & (1 << 15) ))
	[[ $(guest_after rmmod-enabled-rc) != 0 ]]
	[[ $(guest_after still) == *" klpb_one_function" ]]
	[[ $(guest_after enable-again-rc) != 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	assert_guest_lacks disabled klpb_one_function
	[[ $(guest_after disabled) == *console=$KLPB_CONSOLE* ]]
	[[ $(guest_after dir-disabled) == gone ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	assert_guest_lacks removed klpb_one_function
	[[ $(guest_after root-removed) == none ]]
	# the kernel's livepatch log lines, in order
	qemu_dmesg "$QEMU_LOG" | grep -oE "livepatch: (enabling patch '$name'|'$name': [a-z ]+)" >"$BATS_TEST_TMPDIR/lines"
	diff -u - "$BATS_TEST_TMPDIR/lines" <<LINES
livepatch: enabling patch '$name'
livepatch: '$name': starting patching transition
livepatch: '$name': patching complete
livepatch: '$name': starting unpatching transition
livepatch: '$name': unpatching complete
LINES
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_slot_names KO: "OBJNAME NAME" of every klpb_slot record of KO
# (.rodata.klpb_slot_names: two strings per record), sorted, on one line
a64_slot_names() {
	local names=$BATS_TEST_TMPDIR/slot_names.bin
	aarch64-linux-gnu-objcopy -O binary --only-section=.rodata.klpb_slot_names "$1" "$names"
	tr '\0' '\n' <"$names" | paste -d ' ' - - | LC_ALL=C sort | paste -s -d ' '
}

# a64_func_rels KO FUNC: "TYPE SYMBOL" of each relocation of KO's
# .rela.text.FUNC, one per line
a64_func_rels() {
	readelf -rW "$1" | awk -v sec="'.rela.text.$2'" '/^Relocation section/ { s = $3 } s == sec && $1 ~ /^[0-9a-f]+$/ { print $3, $5 }'
}

# a64_slot_loads REL N: REL (a64_func_rels) has exactly N adrp + ldr pairs
# on the slot page .data.klpb_slot_words
a64_slot_loads() {
	[[ $(grep -c '^R_AARCH64_ADR_PREL_PG_HI21 \.data\.klpb_slot_words' <<<"$1") == "$2" ]] &&
		[[ $(grep -c '^R_AARCH64_LDST64_ABS_LO12_NC \.data\.klpb_slot_words' <<<"$1") == "$2" ]]
}

# a64_modfunc NAME: a function of a module through the in-module core, and
# late module patching (patches/42: ikconfig_read_current of kernel/configs.ko
# reads configs' static config_gz_proc_ops and compares the address of its
# own original, and takes the size of the config from configs' labels
# kernel_config_data(_end): four references to symbols of the module; the
# labels' section, configs.o's .rodata, is not copied).  In the module:
# no livepatch relocation; each reference is a load from a slot in one page
# (.data.klpb_slot_words) that the core fills from configs' kallsyms when
# it is there.  In the guest: the patch loaded BEFORE configs.ko (object
# directory there, patched 0, nothing of configs), configs.ko loaded
# (patched from its COMING notifier, before its init), removed (patched 0)
# and loaded again somewhere else (a filler module takes its old place:
# the slots follow), disabled and removed; then the patch loaded AFTER
# configs.ko, configs.ko removed while patched, the patch disabled and
# removed while configs.ko is not there, configs.ko back to the original;
# the kernel's log lines for each module event; clean dmesg.
a64_modfunc() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko rel
	klpb "$name" "$PATCHDIR/42-configs-module-reload.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$ko")"
	rel=$(a64_func_rels "$ko" ikconfig_read_current)
	echo "$rel"
	# config_gz_proc_ops, ikconfig_read_current and kernel_config_data(_end):
	# adrp of the slot page, ldr of a slot
	a64_slot_loads "$rel" 4
	refute_grep ' config_gz_proc_ops$' "$rel"
	# configs.o's .rodata (kernel_config_data(_end): labels of the asm
	# .incbin of the config) is configs' own, not copied into the patch
	refute_grep ' \.rodata$' "$rel"
	[[ $(a64_slot_names "$ko") == "configs config_gz_proc_ops configs ikconfig_read_current configs kernel_config_data configs kernel_config_data_end" ]]
	# module objects are -mcmodel=large: what names ikconfig_read_current
	# is the adrp + ldr of the patch's own copy's literal pool
	refute_grep '^R_AARCH64_(CALL26|JUMP26|ADD_ABS_LO12_NC|ABS64) ikconfig_read_current$' "$rel"
	configs_reload_boot "$name"
}

# a64_moddata NAME: loads of a module's static data from patched code
# (patches/47: ikconfig_read_current of configs.ko reads proc_flags and
# proc_read of configs' static config_gz_proc_ops; proc_flags is a direct
# load, adrp + ldr :lo12:, in the kernel's code model, which klp-convert
# refused before module objects were compiled -mcmodel=large).  In the
# module: the adrp + ldr of the literals that hold config_gz_proc_ops and
# kernel_config_data(_end) point at slots; nothing names config_gz_proc_ops.  In the guest the patched
# function prints proc_read as read, and the guest compares it with
# configs' ikconfig_read_current in /proc/kallsyms ("read=configs" when
# equal): the patch loaded before configs.ko, configs.ko loaded, removed,
# loaded again elsewhere (a filler module takes its old place), the patch
# disabled and removed; then loaded after configs.ko, configs.ko removed
# while patched, the patch disabled and removed, configs.ko back to the
# original; clean dmesg.  (configs.ko has no writable static variable:
# stores, through the same literal and slot, are a64_modstore's, on
# kobject-example.ko, and the unit case arm64_module_literal's.)
a64_moddata() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko size rel want l
	klpb "$name" -v "$PATCHDIR/47-configs-module-data.patch"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# configs.o belongs to a module: both sides of its diff -mcmodel=large,
	# and the patched source also compiled as the kernel does (small model)
	grep -E '^klp-build: compile original kernel/configs\.o: .* -mcmodel=large -c ' <<<"$output"
	grep -E '^klp-build: recompile kernel/configs\.o: .* -mcmodel=large -c ' <<<"$output"
	l=$(grep -E '^klp-build: compile patched kernel/configs\.o as the kernel does: ' <<<"$output")
	refute_grep mcmodel "$l"
	refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$ko")"
	rel=$(a64_func_rels "$ko" ikconfig_read_current)
	echo "$rel"
	# config_gz_proc_ops and kernel_config_data(_end): one literal each,
	# its adrp + ldr on the slot (configs.o's .rodata, where the labels of
	# the config's .incbin are, is configs' own, not copied)
	a64_slot_loads "$rel" 3
	refute_grep 'config_gz_proc_ops|LDST(8|16|32)_ABS_LO12_NC| \.rodata$' "$rel"
	[[ $(a64_slot_names "$ko") == "configs config_gz_proc_ops configs kernel_config_data configs kernel_config_data_end" ]]
	grep -qa config_gz_proc_ops "$ko"
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	# check: the patched function's line, its proc_read compared with
	# configs' ikconfig_read_current in /proc/kallsyms
	late_module_run "$name" "$KLPB_TEST_BUILD/kernel/configs.ko" configs "$(
		cat <<'GUEST'
where() { awk '$3 == "ikconfig_read_current" && $4 == "[configs]" { print $1 }' /proc/kallsyms; }
check() {
	[ -e /proc/config.gz ] || { echo absent; return; }
	l=$(head -c 96 /proc/config.gz | grep -a klpb_configs_data) || { echo "original $(wc -c </proc/config.gz)"; return; }
	w=$(where)
	case "$l" in
	*" read=$w "*) echo "$l" | sed "s/ read=$w / read=configs /" ;;
	*) echo "$l (configs' ikconfig_read_current: '$w')" ;;
	esac
}
GUEST
	)"
	late_module_expect "$name" configs
	expect_eq funcdir "$(guest_after funcdir)" "ikconfig_read_current,1"
	want="klpb_configs_data flags=0 read=configs $size"
	expect_eq "loaded after the patch: configs' own data" "$(guest_after late)" "$want"
	expect_eq "reloaded elsewhere: the data of the new copy" "$(guest_after reloaded)" "$want"
	expect_eq disabled "$(guest_after disabled)" "original $size"
	expect_eq "loaded before the patch: configs' own data" "$(guest_after after)" "$want"
	expect_eq "configs back, unpatched" "$(guest_after back)" "original $size"
}

# a64_modstore NAME: stores to a module's writable static data from patched
# code (patches/49: b_store of samples/kobject's kobject-example.ko, run
# when /sys/kernel/kobject_example/baz or bar is written, stores the value
# in baz or bar as before and adds it to foo: the three statics foo, baz,
# bar, int, read and set by the module's own unpatched foo_show,
# foo_store and b_show).  configs.ko has no writable static: kobject-example
# (CONFIG_SAMPLE_KOBJECT=m) is the test configs' second module.  In the
# module: the adrp + ldr of the literals that hold the three statics point
# at slots, the loads and stores go through the addresses loaded (no
# direct :lo12: access), the patch defines none of them.  In the guest:
# the patch loaded before kobject-example (not patched), the module
# loaded (patched), foo set through the module, baz and bar written
# (foo grows by each); the module removed and loaded again elsewhere (a
# filler module takes its old place): the stores land in the new copy;
# disabled: bar written, foo unchanged; the patch removed and loaded again
# with the module loaded: it stores again; the module removed while
# patched, the patch disabled and removed, the module back: the original;
# the kernel's log lines for each module event; clean dmesg.
a64_modstore() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko rel
	grep -qx CONFIG_SAMPLE_KOBJECT=m "$KLPB_TEST_BUILD/.config"
	klpb "$name" -v "$PATCHDIR/49-kobject-example-store.patch"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# an object of a module: both sides of its diff -mcmodel=large
	grep -E '^klp-build: compile original samples/kobject/kobject-example\.o: .* -mcmodel=large -c ' <<<"$output"
	grep -E '^klp-build: recompile samples/kobject/kobject-example\.o: .* -mcmodel=large -c ' <<<"$output"
	refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$ko")"
	rel=$(a64_func_rels "$ko" b_store)
	echo "$rel"
	# foo, baz and bar: one literal each, its adrp + ldr on the slot; no
	# relocation names them, no direct 32-bit access
	a64_slot_loads "$rel" 3
	refute_grep ' (foo|baz|bar|\.bss.*|\.data)$|LDST(8|16|32)_ABS_LO12_NC' "$rel"
	[[ $(a64_slot_names "$ko") == "kobject_example bar kobject_example baz kobject_example foo" ]]
	# the patch has no storage of its own for them
	refute_grep ' (foo|baz|bar)$' "$(readelf -sW "$ko" | awk '$7 != "UND"')"
	# pre/post: the writes through the module's own sysfs files that run
	# b_store (foo set to 100 by the module's foo_store first)
	late_module_run "$name" "$KLPB_TEST_BUILD/samples/kobject/kobject-example.ko" kobject_example "$(
		cat <<'GUEST'
K=/sys/kernel/kobject_example
where() { awk '$3 == "foo" && $4 == "[kobject_example]" { print $1 }' /proc/kallsyms; }
check() { [ -d $K ] || { echo absent; return; }; echo "foo=$(cat $K/foo) baz=$(cat $K/baz) bar=$(cat $K/bar)"; }
pre() {
	case $1 in
	reloaded) echo 3 >$K/bar ;;
	disabled) echo 4 >$K/bar ;;
	after) echo 10 >$K/baz ;;
	back) echo 6 >$K/bar ;;
	esac
}
post() {
	[ "$1" = late ] || return 0
	echo 100 >$K/foo
	echo 5 >$K/bar
	mark late-bar; check
	echo 7 >$K/baz
	mark late-baz; check
}
GUEST
	)"
	late_module_expect "$name" kobject_example
	expect_eq funcdir "$(guest_after funcdir)" "b_store,1"
	expect_eq late "$(guest_after late)" "foo=0 baz=0 bar=0"
	expect_eq "loaded after the patch: bar stored, 5 added to foo (set to 100 by the module)" \
		"$(guest_after late-bar)" "foo=105 baz=0 bar=5"
	expect_eq "baz stored, 7 added to foo" "$(guest_after late-baz)" "foo=112 baz=7 bar=5"
	expect_eq "reloaded elsewhere: the stores land in the new copy" "$(guest_after reloaded)" "foo=3 baz=0 bar=3"
	expect_eq "disabled: bar stored, foo unchanged" "$(guest_after disabled)" "foo=3 baz=0 bar=4"
	expect_eq "loaded before the patch: the module's own statics" "$(guest_after after)" "foo=13 baz=10 bar=4"
	expect_eq "module back, unpatched" "$(guest_after back)" "foo=0 baz=0 bar=6"
}

# a64_modreplace: atomic replace with functions of modules.  With configs.ko
# loaded: A (42: ikconfig_read_current of configs) patches it; B (01:
# cmdline only) replaces A, so configs goes back to the
# original and A's module notifier stops acting (configs removed and loaded
# again stays original, no "applying patch 'a64_mra'"); A is removed; D (42
# again) replaces B and patches configs (loaded); E (42 again) replaces D,
# taking ikconfig_read_current over from it (bridge, then its own ops);
# configs removed and loaded again under E; E disabled and removed with
# configs back to the original; clean dmesg
a64_modreplace() {
	local p n size
	for n in a64_mra a64_mrb a64_mrd a64_mre; do
		case $n in
		a64_mrb) p=01-cmdline-one-function ;;
		*) p=42-configs-module-reload ;;
		esac
		klpb "$n" "$PATCHDIR/$p.patch"
		echo "$output"
		[ "$status" -eq 0 ]
	done
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { c=\$(grep -c klpb_one_function /proc/cmdline); [ -e /proc/config.gz ] || { echo "\$c absent"; return; }; echo "\$c \$(head -c 64 /proc/config.gz | grep -a klpb_configs_reload || echo "original \$(wc -c </proc/config.gz)")"; }
gone() { i=0; while [ -d /sys/kernel/livepatch/\$1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; }
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
klp_insmod /klpb/a64_mra.ko; rc=\$?; mark a-rc; echo \$rc
mark a; check
klp_insmod /klpb/a64_mrb.ko; rc=\$?; mark b-rc; echo \$rc
gone a64_mra
mark b; check
mark b-dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
rmmod configs; insmod /klpb/configs.ko; rc=\$?; mark b-reload-rc; echo \$rc
mark b-reload; check
rmmod a64_mra; rc=\$?; mark a-rmmod-rc; echo \$rc
klp_insmod /klpb/a64_mrd.ko; rc=\$?; mark d-rc; echo \$rc
gone a64_mrb
mark d; check
mark d-patched; cat /sys/kernel/livepatch/a64_mrd/configs/patched
klp_insmod /klpb/a64_mre.ko; rc=\$?; mark e-rc; echo \$rc
gone a64_mrd
mark e; check
mark e-dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
rmmod a64_mrb; rc=\$?; mark b-rmmod-rc; echo \$rc
rmmod a64_mrd; rc=\$?; mark d-rmmod-rc; echo \$rc
mark e-alone; check
rmmod configs; insmod /klpb/configs.ko; rc=\$?; mark e-reload-rc; echo \$rc
mark e-reload; check
klp_disable a64_mre; rc=\$?; mark e-disable-rc; echo \$rc
mark disabled; check
rmmod a64_mre; rc=\$?; mark e-rmmod-rc; echo \$rc
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$KLPB_TEST_BUILD/kernel/configs.ko" \
		"$BATS_TEST_TMPDIR"/out/a64_mr{a,b,d,e}.ko
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	expect_eq "insmod A" "$(guest_after a-rc)" 0
	expect_eq "A: configs patched" "$(guest_after a)" "0 klpb_configs_reload $size ops=1"
	expect_eq "insmod B" "$(guest_after b-rc)" 0
	expect_eq "B: cmdline B's, configs back to the original" "$(guest_after b)" "1 original $size"
	expect_eq "A's directory gone" "$(guest_after b-dirs)" "a64_mrb "
	expect_eq "configs reloaded under B" "$(guest_after b-reload-rc)" 0
	expect_eq "A's notifier does not act" "$(guest_after b-reload)" "1 original $size"
	expect_eq "rmmod A" "$(guest_after a-rmmod-rc)" 0
	expect_eq "insmod D" "$(guest_after d-rc)" 0
	expect_eq "D: configs patched (loaded), cmdline back" "$(guest_after d)" "0 klpb_configs_reload $size ops=1"
	expect_eq "D patched" "$(guest_after d-patched)" 1
	expect_eq "insmod E" "$(guest_after e-rc)" 0
	expect_eq "E took ikconfig_read_current over" "$(guest_after e)" "0 klpb_configs_reload $size ops=1"
	expect_eq "D's directory gone" "$(guest_after e-dirs)" "a64_mre "
	expect_eq "rmmod B" "$(guest_after b-rmmod-rc)" 0
	expect_eq "rmmod D" "$(guest_after d-rmmod-rc)" 0
	expect_eq "E alone" "$(guest_after e-alone)" "0 klpb_configs_reload $size ops=1"
	expect_eq "configs reloaded under E" "$(guest_after e-reload-rc)" 0
	expect_eq "E's notifier patches it" "$(guest_after e-reload)" "0 klpb_configs_reload $size ops=1"
	expect_eq "disable E" "$(guest_after e-disable-rc)" 0
	expect_eq "disabled" "$(guest_after disabled)" "0 original $size"
	expect_eq "rmmod E" "$(guest_after e-rmmod-rc)" 0
	expect_eq root "$(guest_after root)" none
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: 'a64_mra': replaced by 'a64_mrb'"
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: 'a64_mrd': replaced by 'a64_mre'"
	refute_grep "applying patch '(a64_mra|a64_mrd)'" "$(qemu_dmesg "$QEMU_LOG")"
	[[ $(qemu_dmesg "$QEMU_LOG" | grep -c "livepatch: applying patch 'a64_mre' to loading module 'configs'") == 1 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_replace: atomic replace, the default. A (01 + 03: cmdline_proc_show
# and version_proc_show) then B (30: cmdline_proc_show again, with
# callbacks): B takes cmdline_proc_show over from A, version_proc_show (only
# A's) goes back to the original, A is disabled (its directory goes, as
# with the kernel's core) and can be removed while B stays; only B's
# callbacks run; then B is disabled and removed; clean dmesg (a
# --no-replace patch of a function B holds goes on top of it: a64_stack)
a64_replace() {
	klpb a64_ra "$PATCHDIR/01-cmdline-one-function.patch" "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb a64_rb "$PATCHDIR/30-cmdline-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
check() { echo "\$(grep -c klpb_one_function /proc/cmdline) \$(grep -c klpb_callbacks /proc/cmdline) \$(grep -c klpb_new_function /proc/version)"; }
gone() { i=0; while [ -d /sys/kernel/livepatch/\$1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; }
mark before; check
kmark insmod-a
klp_insmod /klpb/a64_ra.ko; rc=\$?; mark a-rc; echo \$rc
mark a; check
mark a-replace; cat /sys/kernel/livepatch/a64_ra/replace
kmark insmod-b
klp_insmod /klpb/a64_rb.ko; rc=\$?; mark b-rc; echo \$rc
kmark b-loaded
gone a64_ra
mark b; check
mark dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
mark b-enabled; cat /sys/kernel/livepatch/a64_rb/enabled
mark b-patched; cat /sys/kernel/livepatch/a64_rb/vmlinux/patched
rmmod a64_ra; rc=\$?; mark a-rmmod-rc; echo \$rc
mark b-alone; check
kmark disable-b
klp_disable a64_rb; rc=\$?; mark b-disable-rc; echo \$rc
kmark disabled
mark disabled; check
rmmod a64_rb; rc=\$?; mark b-rmmod-rc; echo \$rc
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/a64_ra.ko" "$BATS_TEST_TMPDIR/out/a64_rb.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq before "$(guest_after before)" "0 0 0"
	expect_eq "insmod A" "$(guest_after a-rc)" 0
	expect_eq "A: cmdline and version patched" "$(guest_after a)" "1 0 1"
	expect_eq "A replace" "$(guest_after a-replace)" 1
	expect_eq "insmod B" "$(guest_after b-rc)" 0
	expect_eq "B: cmdline B's, version back to the original" "$(guest_after b)" "0 1 0"
	expect_eq "A's directory gone" "$(guest_after dirs)" "a64_rb "
	expect_eq "B enabled" "$(guest_after b-enabled)" 1
	expect_eq "B patched" "$(guest_after b-patched)" 1
	expect_eq "rmmod A" "$(guest_after a-rmmod-rc)" 0
	expect_eq "B alone" "$(guest_after b-alone)" "0 1 0"
	expect_eq "disable B" "$(guest_after b-disable-rc)" 0
	expect_eq "disabled" "$(guest_after disabled)" "0 0 0"
	expect_eq "rmmod B" "$(guest_after b-rmmod-rc)" 0
	expect_eq "root" "$(guest_after root)" none
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: 'a64_ra': replaced by 'a64_rb'"
	# only B's callbacks, at the kernel's points
	expect_eq "callbacks in dmesg" "$(dmesg_seq 'klpb_cb: ')" \
		"klpb_mark: insmod-a|klpb_mark: insmod-b|klpb_cb: pre_patch vmlinux|klpb_cb: post_patch vmlinux|klpb_mark: b-loaded|klpb_mark: disable-b|klpb_cb: pre_unpatch vmlinux|klpb_cb: post_unpatch vmlinux|klpb_mark: disabled|"
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_two: two patch modules of the in-module core (--no-replace) patch
# different functions side by side and share /sys/kernel/livepatch; the one
# that created the directory goes first, the other keeps working; the
# directory goes with the last one (one function stacked: a64_stack)
a64_two() {
	klpb a64_a --no-replace "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb a64_b --no-replace "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
both() { echo "$(grep -c klpb_one_function /proc/cmdline) $(grep -c klpb_new_function /proc/version)"; }
insmod /klpb/a64_a.ko; rc=$?; mark a-rc; echo $rc
insmod /klpb/a64_b.ko; rc=$?; mark b-rc; echo $rc
mark dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
mark both; both
klp_disable a64_a; rc=$?; mark a-disable-rc; echo $rc
rmmod a64_a; rc=$?; mark a-rmmod-rc; echo $rc
mark dirs-b; ls /sys/kernel/livepatch | tr '\n' ' '; echo
mark b-only; both
klp_disable a64_b; rc=$?; mark b-disable-rc; echo $rc
rmmod a64_b; rc=$?; mark b-rmmod-rc; echo $rc
mark none; both
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/a64_a.ko" "$BATS_TEST_TMPDIR/out/a64_b.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after a-rc) == 0 ]]
	[[ $(guest_after b-rc) == 0 ]]
	[[ $(guest_after dirs) == "a64_a a64_b " ]]
	[[ $(guest_after both) == "1 1" ]]
	[[ $(guest_after a-disable-rc) == 0 ]]
	[[ $(guest_after a-rmmod-rc) == 0 ]]
	[[ $(guest_after dirs-b) == "a64_b " ]]
	[[ $(guest_after b-only) == "0 1" ]]
	[[ $(guest_after b-disable-rc) == 0 ]]
	[[ $(guest_after b-rmmod-rc) == 0 ]]
	[[ $(guest_after none) == "0 0" ]]
	[[ $(guest_after root) == none ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_modcall NAME: a CALL from the patch to a function of a module, through
# a veneer, and callbacks of a module object (patches/44: callbacks of
# configs call ikconfig_read_current, which the patch does not change).  In
# the module: the calls are CALL26 to the veneer section, whose three
# instructions (adrp x16 / ldr x16 / br x16) load a slot the core fills
# while configs is loaded; no function of configs is patched.  In the guest
# each callback prints what the call returned (0 at the end of the config
# data, -EFAULT one byte before it: configs' own function ran, it knows the
# size): the patch loaded before configs (nothing runs), configs loaded
# (pre/post patch), removed (pre/post unpatch, the slot still filled for
# post-unpatch), loaded again elsewhere (a filler module takes its old
# place: the slot follows), the patch disabled (pre/post unpatch); then
# loaded after configs (pre/post patch at enable), configs removed, the
# patch disabled without configs (no callback); clean dmesg.
a64_modcall() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko d=$BATS_TEST_TMPDIR/filler size rel ven p
	klpb "$name" "$PATCHDIR/44-configs-module-call.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_grep '\.klp\.(rela|sym)\.' "$(readelf -SW -sW "$ko")"
	# every call of ikconfig_read_current goes to the veneer section
	rel=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } s ~ /klpb_call/ && $1 ~ /^[0-9a-f]+$/ { print s, $3, $5 }')
	echo "$rel"
	[[ $(grep -c ' R_AARCH64_CALL26 \.text\.klpb_veneers$' <<<"$rel") -ge 1 ]]
	refute_grep '^ikconfig_read_current$' "$(readelf -rW "$ko" | awk '$3 ~ /^R_AARCH64_(CALL|JUMP)26$/ { print $5 }')"
	# one veneer (one slot): adrp x16, slot page; ldr x16, [x16, slot]; br x16
	ven=$(aarch64-linux-gnu-objdump -dr -j .text.klpb_veneers "$ko" | grep -E '^\s+[0-9a-f]+:' -A1)
	echo "$ven"
	[[ $(grep -cE '\sadrp\s+x16,' <<<"$ven") == 1 ]]
	[[ $(grep -cE '\sldr\s+x16, \[x16' <<<"$ven") == 1 ]]
	[[ $(grep -cE '\sbr\s+x16' <<<"$ven") == 1 ]]
	[[ $(grep -c 'R_AARCH64_ADR_PREL_PG_HI21\s\.data\.klpb_slot_words' <<<"$ven") == 1 ]]
	[[ $(grep -c 'R_AARCH64_LDST64_ABS_LO12_NC\s\.data\.klpb_slot_words' <<<"$ven") == 1 ]]
	filler_module "$d"
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
where() { awk '\$3 == "ikconfig_read_current" && \$4 == "[configs]" { print \$1 }' /proc/kallsyms; }
kmark insmod
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark objs; ls /sys/kernel/livepatch/$name | tr '\n' ' '; echo
mark funcs; ls /sys/kernel/livepatch/$name/configs | tr '\n' ' '; echo
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
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq "object directories" "$(guest_after objs)" "configs enabled replace transition "
	expect_eq "no function of configs" "$(guest_after funcs)" "patched "
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

# a64_unresolvable NAME: a symbol of a module that the loaded module lacks.
# The patch (01 + 42: cmdline_proc_show of vmlinux and ikconfig_read_current
# of configs, which reads configs' config_gz_proc_ops through a slot) meets
# a module called configs that has an ikconfig_read_current but no
# config_gz_proc_ops (built here): loaded before the patch, the patch's load
# fails naming the object and the symbol, nothing is patched (cmdline
# unchanged), no directory, the module is gone; the patch loaded first,
# that configs' load is refused instead (named, the kernel's log line), the
# patch stays and the real configs.ko is patched when it comes; clean dmesg.
a64_unresolvable() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko d=$BATS_TEST_TMPDIR/fake size
	klpb "$name" "$PATCHDIR/01-cmdline-one-function.patch" "$PATCHDIR/42-configs-module-reload.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	mkdir -p "$d"
	cat >"$d/configs.c" <<'EOF'
#include <linux/module.h>
#include <linux/fs.h>
/* klpb: a module called configs with ikconfig_read_current, without config_gz_proc_ops */
static noinline __used ssize_t ikconfig_read_current(struct file *file, char __user *buf,
						     size_t len, loff_t *offset)
{
	return 0;
}
static int __init fake_init(void) { return 0; }
module_init(fake_init);
static void __exit fake_exit(void) { }
module_exit(fake_exit);
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := configs.o' >"$d/Kbuild"
	test_module "$d"
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { grep -c klpb_one_function /proc/cmdline; }
insmod /klpb/fake/configs.ko; rc=\$?; mark fake-rc; echo \$rc
insmod /klpb/$name.ko 2>/dev/null; rc=\$?; mark insmod-rc; echo \$rc
mark cmdline; check
mark lsmod; grep -c "^$name " /proc/modules
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
rmmod configs; rc=\$?; mark fake-rmmod-rc; echo \$rc
insmod /klpb/$name.ko; rc=\$?; mark late-rc; echo \$rc
mark late-cmdline; check
insmod /klpb/fake/configs.ko 2>/dev/null; rc=\$?; mark late-fake-rc; echo \$rc
mark late-fake-lsmod; grep -c "^configs " /proc/modules
mark late-enabled; cat /sys/kernel/livepatch/$name/enabled
mark late-fake-patched; cat /sys/kernel/livepatch/$name/configs/patched
mark still; check
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
mark configs-patched; cat /sys/kernel/livepatch/$name/configs/patched
mark configs; head -c 64 /proc/config.gz | grep -a klpb_configs_reload || echo original
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko" "$KLPB_TEST_BUILD/kernel/configs.ko" "$d"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|$name|configs" || true
	expect_eq fake-rc "$(guest_after fake-rc)" 0
	[[ $(guest_after insmod-rc) != 0 ]]
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: '$name': unresolvable symbol config_gz_proc_ops (position 0) in module configs (0 found)"
	expect_eq "nothing patched" "$(guest_after cmdline)" 0
	expect_eq "the patch module is gone" "$(guest_after lsmod)" 0
	expect_eq "no /sys/kernel/livepatch left" "$(guest_after root)" none
	expect_eq fake-rmmod-rc "$(guest_after fake-rmmod-rc)" 0
	expect_eq late-rc "$(guest_after late-rc)" 0
	expect_eq late-cmdline "$(guest_after late-cmdline)" 1
	[[ $(guest_after late-fake-rc) != 0 ]]
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: patch '$name' failed for module 'configs', refusing to load module 'configs'"
	[[ $(qemu_dmesg "$QEMU_LOG" | grep -cF "livepatch: '$name': unresolvable symbol config_gz_proc_ops (position 0) in module configs (0 found)") -ge 2 ]]
	expect_eq "the other configs is gone" "$(guest_after late-fake-lsmod)" 0
	expect_eq "the patch stays" "$(guest_after late-enabled)" 1
	expect_eq late-fake-patched "$(guest_after late-fake-patched)" 0
	expect_eq still "$(guest_after still)" 1
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	expect_eq configs-patched "$(guest_after configs-patched)" 1
	expect_eq configs "$(guest_after configs)" "klpb_configs_reload $size ops=1"
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	expect_eq removed "$(guest_after removed)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_stack: --no-replace stacking of one function by several patches, as
# the kernel's func_stack does it.  A (01: cmdline_proc_show), B (01+11:
# cmdline_proc_show again, and 03: version_proc_show), C (04:
# cmdline_proc_show a third time), all --no-replace: each goes on top of the
# one below; disabling the middle one (B) leaves C's function and takes B's
# other function (version) back to the original; disabling the top one (C)
# hands cmdline back to A; B again on top, then the covered A disabled (the
# kernel has no stack order rule: any patch may be disabled) leaves B's;
# C again; then R (30, atomic replace) replaces the whole stack.  Then the
# stack check: L (21: do_nanosleep) with a `sleep` inside L's do_nanosleep,
# N (21 again, --no-replace) on top of it is refused, naming the task and
# L's function; once the task is gone N goes on top; both disabled and
# removed; clean dmesg.
a64_stack() {
	local spec w args p
	for spec in "a64_sa 01" "a64_sb 01 11 03" "a64_sc 04" "a64_sr 30" "a64_sl 21" "a64_sn 21"; do
		read -ra w <<<"$spec"
		args=()
		[[ ${w[0]} == a64_sr ]] || args+=(--no-replace)
		for p in "${w[@]:1}"; do args+=("$PATCHDIR/$p"-*.patch); done
		klpb "${w[0]}" "${args[@]}"
		echo "$output"
		[ "$status" -eq 0 ]
	done
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { c=\$(grep -oE 'klpb_[a-z_]+' /proc/cmdline | head -n1); echo "\${c:-original} \$(grep -c klpb_new_function /proc/version)"; }
gone() { i=0; while [ -d /sys/kernel/livepatch/\$1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; }
mark before; check
klp_insmod /klpb/a64_sa.ko; rc=\$?; mark a-rc; echo \$rc
mark a; check
klp_insmod /klpb/a64_sb.ko; rc=\$?; mark b-rc; echo \$rc
mark b; check
klp_insmod /klpb/a64_sc.ko; rc=\$?; mark c-rc; echo \$rc
mark c; check
mark dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
klp_disable a64_sb; rc=\$?; mark b-off-rc; echo \$rc
mark b-off; check
rmmod a64_sb; rc=\$?; mark b-rmmod-rc; echo \$rc
klp_disable a64_sc; rc=\$?; mark c-off-rc; echo \$rc
mark c-off; check
rmmod a64_sc; rc=\$?; mark c-rmmod-rc; echo \$rc
klp_insmod /klpb/a64_sb.ko; rc=\$?; mark b2-rc; echo \$rc
mark b2; check
klp_disable a64_sa; rc=\$?; mark a-off-rc; echo \$rc
mark a-off; check
rmmod a64_sa; rc=\$?; mark a-rmmod-rc; echo \$rc
klp_insmod /klpb/a64_sc.ko; rc=\$?; mark c2-rc; echo \$rc
mark c2; check
klp_insmod /klpb/a64_sr.ko; rc=\$?; mark r-rc; echo \$rc
gone a64_sb; gone a64_sc
mark r; check
mark r-dirs; ls /sys/kernel/livepatch | tr '\n' ' '; echo
rmmod a64_sb; rc=\$?; mark b3-rmmod-rc; echo \$rc
rmmod a64_sc; rc=\$?; mark c3-rmmod-rc; echo \$rc
klp_disable a64_sr; rc=\$?; mark r-off-rc; echo \$rc
mark r-off; check
rmmod a64_sr; rc=\$?; mark r-rmmod-rc; echo \$rc
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
sleeps() { grep -oE 'klpb_sleeps=[0-9]+' /proc/cmdline || echo unpatched; }
klp_insmod /klpb/a64_sl.ko; rc=\$?; mark l-rc; echo \$rc
sleep 1000 & pid=\$!
sleep 1
insmod /klpb/a64_sn.ko 2>/dev/null; rc=\$?; mark busy-n-rc; echo \$rc
mark busy-n-lsmod; grep -c '^a64_sn ' /proc/modules
mark busy-l; sleeps
kill \$pid; wait \$pid
klp_insmod /klpb/a64_sn.ko; rc=\$?; mark n-rc; echo \$rc
sleep 0.1; sleep 0.1
mark n; sleeps
klp_disable a64_sn; rc=\$?; mark n-off-rc; echo \$rc
mark n-off; sleeps
klp_disable a64_sl; rc=\$?; mark l-off-rc; echo \$rc
mark l-off; sleeps
rmmod a64_sn; rc=\$?; mark n-rmmod-rc; echo \$rc
rmmod a64_sl; rc=\$?; mark l-rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR"/out/a64_s{a,b,c,r,l,n}.ko
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq before "$(guest_after before)" "original 0"
	expect_eq "insmod A" "$(guest_after a-rc)" 0
	expect_eq "A" "$(guest_after a)" "klpb_one_function 0"
	expect_eq "insmod B on top of A" "$(guest_after b-rc)" 0
	expect_eq "B" "$(guest_after b)" "klpb_second_patch 1"
	expect_eq "insmod C on top of B" "$(guest_after c-rc)" 0
	expect_eq "C" "$(guest_after c)" "klpb_new_data 1"
	expect_eq dirs "$(guest_after dirs)" "a64_sa a64_sb a64_sc "
	expect_eq "disable B (middle)" "$(guest_after b-off-rc)" 0
	expect_eq "C keeps cmdline, version back to the original" "$(guest_after b-off)" "klpb_new_data 0"
	expect_eq "rmmod B" "$(guest_after b-rmmod-rc)" 0
	expect_eq "disable C (top)" "$(guest_after c-off-rc)" 0
	expect_eq "cmdline handed back to A" "$(guest_after c-off)" "klpb_one_function 0"
	expect_eq "rmmod C" "$(guest_after c-rmmod-rc)" 0
	expect_eq "B again on top of A" "$(guest_after b2-rc)" 0
	expect_eq "B2" "$(guest_after b2)" "klpb_second_patch 1"
	expect_eq "disable A (covered)" "$(guest_after a-off-rc)" 0
	expect_eq "B keeps its functions" "$(guest_after a-off)" "klpb_second_patch 1"
	expect_eq "rmmod A" "$(guest_after a-rmmod-rc)" 0
	expect_eq "C again on top of B" "$(guest_after c2-rc)" 0
	expect_eq "C2" "$(guest_after c2)" "klpb_new_data 1"
	expect_eq "R replaces the stack" "$(guest_after r-rc)" 0
	expect_eq "R" "$(guest_after r)" "klpb_callbacks 0"
	expect_eq "only R's directory" "$(guest_after r-dirs)" "a64_sr "
	expect_eq "rmmod B (replaced)" "$(guest_after b3-rmmod-rc)" 0
	expect_eq "rmmod C (replaced)" "$(guest_after c3-rmmod-rc)" 0
	expect_eq "disable R" "$(guest_after r-off-rc)" 0
	expect_eq "R off" "$(guest_after r-off)" "original 0"
	expect_eq "rmmod R" "$(guest_after r-rmmod-rc)" 0
	expect_eq root "$(guest_after root)" none
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: 'a64_sb': replaced by 'a64_sr'"
	qemu_dmesg "$QEMU_LOG" | grep -F "livepatch: 'a64_sc': replaced by 'a64_sr'"
	# the stack check covers the function of the patch below
	expect_eq "insmod L" "$(guest_after l-rc)" 0
	[[ $(guest_after busy-n-rc) != 0 ]]
	expect_eq "N not loaded" "$(guest_after busy-n-lsmod)" 0
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: 'a64_sn': patching refused: task [0-9]+ \(sleep\) is in do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+ \[a64_sl\]\)"
	[[ $(guest_after busy-l) =~ ^klpb_sleeps=[1-9][0-9]*$ ]]
	expect_eq "insmod N" "$(guest_after n-rc)" 0
	# N's own counter: its do_nanosleep ran for the two sleeps since
	expect_eq "N's do_nanosleep" "$(guest_after n)" "klpb_sleeps=2"
	expect_eq "disable N" "$(guest_after n-off-rc)" 0
	[[ $(guest_after n-off) =~ ^klpb_sleeps=[1-9][0-9]*$ ]]
	expect_eq "disable L" "$(guest_after l-off-rc)" 0
	expect_eq "L off" "$(guest_after l-off)" unpatched
	expect_eq "rmmod N" "$(guest_after n-rmmod-rc)" 0
	expect_eq "rmmod L" "$(guest_after l-rmmod-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_idle: the stack check covers the idle tasks, which are not in the task
# list: every idle task waits in schedule_idle(), so a patch of it
# (patches/45) can never switch: its load fails naming an idle task
# (swapper/N) and the function, nothing is left; a patch of another
# function (01) loads, with two CPUs (both idle tasks walked), and goes;
# clean dmesg.
a64_idle() {
	local p=$PATCHDIR/45-sched-idle.patch
	[[ $KLPB_KVER == 6.1 ]] || p=$PATCHDIR/45-sched-idle-$KLPB_KVER.patch
	klpb a64_idle "$p"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb a64_one "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mark cpus; grep -c ^processor /proc/cpuinfo
insmod /klpb/a64_idle.ko 2>/dev/null; rc=$?; mark idle-rc; echo $rc
mark idle-lsmod; grep -c '^a64_idle ' /proc/modules
mark root; ls -d /sys/kernel/livepatch 2>/dev/null || echo none
insmod /klpb/a64_one.ko; rc=$?; mark one-rc; echo $rc
mark one; grep -c klpb_one_function /proc/cmdline
klp_disable a64_one; rc=$?; mark disable-rc; echo $rc
rmmod a64_one; rc=$?; mark rmmod-rc; echo $rc
GUEST
	KLPB_QEMU_OPTS="${KLPB_QEMU_OPTS:+$KLPB_QEMU_OPTS }-smp 2" \
		qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/a64_idle.ko" "$BATS_TEST_TMPDIR/out/a64_one.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq "two CPUs" "$(guest_after cpus)" 2
	[[ $(guest_after idle-rc) != 0 ]]
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: 'a64_idle': patching refused: task 0 \(swapper/[01]\) is in schedule_idle \(schedule_idle\+0x[0-9a-f]+/0x[0-9a-f]+\), tried 5 times"
	expect_eq "nothing left" "$(guest_after idle-lsmod)" 0
	expect_eq root "$(guest_after root)" none
	expect_eq one-rc "$(guest_after one-rc)" 0
	expect_eq one "$(guest_after one)" 1
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_modstack: --no-replace stacking of a function of a module (configs'
# ikconfig_read_current: M1 = patches/42, M2 = patches/46, another text).
# Both loaded before configs: when it comes, the notifiers run in load
# order, M1's takes the IPMODIFY ops and M2's goes on top (M2's text), also
# after configs is reloaded; M2 disabled with configs loaded hands the
# function back to M1; M1 disabled: the original.  Then configs loaded
# first: M1, M2 on top; M1 (covered) disabled leaves M2's; M2 disabled: the
# original; clean dmesg.
a64_modstack() {
	local size
	klpb a64_m1 --no-replace "$PATCHDIR/42-configs-module-reload.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb a64_m2 --no-replace "$PATCHDIR/46-configs-module-second.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { [ -e /proc/config.gz ] || { echo absent; return; }; head -c 64 /proc/config.gz | grep -aoE 'klpb_configs_[a-z]+ [0-9]+ ops=[01]' || echo "original"; }
klp_insmod /klpb/a64_m1.ko; rc=$?; mark m1-rc; echo $rc
klp_insmod /klpb/a64_m2.ko; rc=$?; mark m2-rc; echo $rc
insmod /klpb/configs.ko; rc=$?; mark configs-rc; echo $rc
mark both; check
rmmod configs; insmod /klpb/configs.ko; rc=$?; mark reload-rc; echo $rc
mark reloaded; check
klp_disable a64_m2; rc=$?; mark m2-off-rc; echo $rc
mark m2-off; check
klp_disable a64_m1; rc=$?; mark m1-off-rc; echo $rc
mark m1-off; check
rmmod a64_m1; rmmod a64_m2
klp_insmod /klpb/a64_m1.ko; rc=$?; mark m1b-rc; echo $rc
mark m1b; check
klp_insmod /klpb/a64_m2.ko; rc=$?; mark m2b-rc; echo $rc
mark m2b; check
klp_disable a64_m1; rc=$?; mark m1b-off-rc; echo $rc
mark m1b-off; check
klp_disable a64_m2; rc=$?; mark m2b-off-rc; echo $rc
mark m2b-off; check
rmmod a64_m1; rc=$?; mark m1-rmmod-rc; echo $rc
rmmod a64_m2; rc=$?; mark m2-rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/a64_m1.ko" "$BATS_TEST_TMPDIR/out/a64_m2.ko" \
		"$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch|klpb" || true
	expect_eq m1-rc "$(guest_after m1-rc)" 0
	expect_eq m2-rc "$(guest_after m2-rc)" 0
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	expect_eq "configs comes: M2 on top" "$(guest_after both)" "klpb_configs_second $size ops=1"
	expect_eq reload-rc "$(guest_after reload-rc)" 0
	expect_eq "reloaded: M2 on top" "$(guest_after reloaded)" "klpb_configs_second $size ops=1"
	expect_eq m2-off-rc "$(guest_after m2-off-rc)" 0
	expect_eq "M2 off: back to M1" "$(guest_after m2-off)" "klpb_configs_reload $size ops=1"
	expect_eq m1-off-rc "$(guest_after m1-off-rc)" 0
	expect_eq "M1 off" "$(guest_after m1-off)" original
	expect_eq m1b-rc "$(guest_after m1b-rc)" 0
	expect_eq m1b "$(guest_after m1b)" "klpb_configs_reload $size ops=1"
	expect_eq m2b-rc "$(guest_after m2b-rc)" 0
	expect_eq "M2 on top of M1" "$(guest_after m2b)" "klpb_configs_second $size ops=1"
	expect_eq m1b-off-rc "$(guest_after m1b-off-rc)" 0
	expect_eq "M1 (covered) off: M2's" "$(guest_after m1b-off)" "klpb_configs_second $size ops=1"
	expect_eq m2b-off-rc "$(guest_after m2b-off-rc)" 0
	expect_eq "M2 off" "$(guest_after m2b-off)" original
	expect_eq m1-rmmod-rc "$(guest_after m1-rmmod-rc)" 0
	expect_eq m2-rmmod-rc "$(guest_after m2-rmmod-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_cons_tramp NAME graph|kretprobe: noklp_consistency with a return
# trampoline on the sleeping task's stack.  With the function graph tracer
# on schedule (set_ftrace_filter) or a kretprobe on it (kprobe_events,
# kernels with CONFIG_KPROBE_EVENTS), schedule's saved return address - the
# one into do_nanosleep - is return_to_handler or __kretprobe_trampoline, so
# a walk of raw frame records misses do_nanosleep; the core recovers the
# address as the kernel's unwinder does.  The hook is turned on before the
# task goes to sleep (a task already asleep keeps its real address); the
# load while it sleeps in do_nanosleep, and the disable while it sleeps in
# the patched one, are refused naming task, function and the trampoline the
# address was recovered from (so the refusal came through the recovery, not
# through a real return address); without the sleep both work; the hook saw
# the calls; clean dmesg once it is off.
a64_cons_tramp() {
	local name=$1 mode=$2 on off hits tramp
	case $mode in
	graph)
		tramp=return_to_handler
		on='echo schedule > $T/set_ftrace_filter; echo function_graph > $T/current_tracer'
		off='echo nop > $T/current_tracer; echo > $T/set_ftrace_filter'
		hits='grep -c "schedule()" $T/trace' ;;
	kretprobe)
		grep -qx CONFIG_KPROBE_EVENTS=y "$KLPB_TEST_BUILD/.config" ||
			{ echo "the test kernel lacks CONFIG_KPROBE_EVENTS" >&2; return 1; }
		tramp=__kretprobe_trampoline
		on='echo "r100:klpbsched schedule" > $T/kprobe_events; echo 1 > $T/events/kprobes/klpbsched/enable'
		off='echo 0 > $T/events/kprobes/klpbsched/enable; echo "-:klpbsched" >> $T/kprobe_events'
		hits='awk "\$1 == \"klpbsched\" { print \$2 }" $T/kprobe_profile' ;;
	*) echo "a64_cons_tramp: mode $mode?" >&2; return 1 ;;
	esac
	noklp_consistency_run "$name" "T=/sys/kernel/tracing
mkdir -p \$T; mount -t tracefs tracefs \$T
$on; rc=\$?; mark hook-rc; echo \$rc" "mark hits; $hits
$off; rc=\$?; mark unhook-rc; echo \$rc"
	expect_eq hook-rc "$(guest_after hook-rc)" 0
	[[ $(guest_after busy-insmod-rc) != 0 ]]
	expect_eq busy-show "$(guest_after busy-show)" unpatched
	expect_eq busy-lsmod "$(guest_after busy-lsmod)" 0
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': patching refused: task [0-9]+ \(sleep\) is in do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+, behind $tramp\), tried 5 times"
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq show "$(guest_after show)" " klpb_sleeps=2"
	[[ $(guest_after busy-disable-rc) != 0 ]]
	expect_eq busy-enabled "$(guest_after busy-enabled)" 1
	qemu_dmesg "$QEMU_LOG" | grep -E "livepatch: '$name': unpatching refused: task [0-9]+ \(sleep\) is in the patched do_nanosleep \(do_nanosleep\+0x[0-9a-f]+/0x[0-9a-f]+ \[$name\], behind $tramp\), tried 5 times"
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq disabled-show "$(guest_after disabled-show)" unpatched
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	# the hook was on schedule: the graph tracer logged it, the kretprobe hit
	[[ $(guest_after hits) =~ ^[1-9][0-9]*$ ]]
	expect_eq unhook-rc "$(guest_after unhook-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_kaslr: KLPB_VARIANT=kaslr kernels, booted twice: the kernel says
# "KASLR enabled"; _text (from /proc/kallsyms) differs from System.map's
# and between the two boots; a module (configs.ko) lands within the 2 GB
# window around the image and, on 6.12, the kernel reports the full module
# region ("2G module region forced by RANDOMIZE_MODULE_REGION_FULL" and no
# pages for non-PLT use: every module is placed anywhere in the 2 GB, so
# branches to vmlinux need PLTs); 6.1 prints nothing about it (its
# module_alloc_base is chosen in arch/arm64/kernel/kaslr.c without a log
# line), so there the window is checked from the addresses only.
a64_kaslr() {
	local link run1 run2 mod end i
	[[ $KLPB_VARIANT == *kaslr* ]] || { echo "a64_kaslr: not a KASLR kernel" >&2; return 1; }
	cp "$KLPB_TEST_BUILD/kernel/configs.ko" "$BATS_TEST_TMPDIR/"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mark text; awk '$3 == "_text" { print $1 }' /proc/kallsyms
mark end; awk '$3 == "_end" { print $1 }' /proc/kallsyms
insmod /klpb/configs.ko; rc=$?; mark insmod-rc; echo $rc
mark modbase; awk '$1 == "configs" { print $6 }' /proc/modules
rmmod configs
GUEST
	link=$(awk '$3 == "_text" { print $1 }' "$KLPB_TEST_BUILD/System.map")
	for i in 1 2; do
		qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/configs.ko"
		qemu_guest_out "$QEMU_LOG"
		qemu_dmesg "$QEMU_LOG" | grep -Ei "kaslr|module region|pages in range" || true
		qemu_dmesg "$QEMU_LOG" | grep -q 'KASLR enabled'
		expect_eq insmod-rc "$(guest_after insmod-rc)" 0
		run=$(guest_after text)
		end=$(guest_after end)
		mod=$(guest_after modbase)
		[[ $run =~ ^[0-9a-f]{16}$ && $end =~ ^[0-9a-f]{16}$ && $mod =~ ^0x[0-9a-f]{16}$ ]]
		echo "boot $i: _text linked 0x$link, running 0x$run; configs at $mod, $(( (mod - 16#$run) / 1048576 )) MB from _text"
		[[ $run != "$link" ]]
		# the module window: [_end - 2 GB, _text + 2 GB) on both kernels
		(( mod >= 16#$end - (1 << 31) && mod < 16#$run + (1 << 31) ))
		if [[ $KLPB_KVER != 6.1 ]]; then
			qemu_dmesg "$QEMU_LOG" | grep -q '2G module region forced by RANDOMIZE_MODULE_REGION_FULL'
			qemu_dmesg "$QEMU_LOG" | grep -qE '(^|\] )0 pages in range for non-PLT usage'
			qemu_dmesg "$QEMU_LOG" | grep -qE '\] [1-9][0-9]* pages in range for PLT usage'
		fi
		qemu_dmesg_clean "$QEMU_LOG"
		[[ $i == 2 ]] || run1=$run
	done
	run2=$run
	# the image moves between boots (QEMU passes a new kaslr-seed each time)
	[[ $run1 != "$run2" ]]
}

# a64_stackargs NAME: a function with stack arguments through the in-module
# core.  __vmalloc_node_range (6.12: __vmalloc_node_range_noprof) takes nine
# arguments: x0-x7, then the ninth, caller (the allocating call site's
# __builtin_return_address(0)), at [sp] on entry (AAPCS64).  patches/47
# prints size, node (the eighth, w7) and caller (%pS) at its entry.  In the
# guest the patch is loaded (its own module memory allocated by the
# original function, which records caller in /proc/vmallocinfo), then
# configs.ko while patched: the new function ran for its allocations, node
# -1 (NUMA_NO_NODE), and the callers it printed include the one the
# original recorded for the same call site (the module loader's: 6.1
# load_module+0x..., module_alloc's return address), which
# a stack shifted by the redirection would not give; configs.ko works;
# disabled: no more lines, configs.ko loads again; clean dmesg.  This
# carries the "module function with stack arguments" of the retired
# arm64-redirect prototype, on a real vmlinux function (the test kernels'
# modules, configs.ko and kobject-example.ko, have none with more than
# eight arguments).
# A stack shifted by the redirection would give another caller; callee-saved
# registers lost would break the kernel's own callers.
a64_stackargs() {
	local name=$1 p=$PATCHDIR/47-vmalloc-stack-args.patch fn=__vmalloc_node_range line c before after hit=''
	if [[ $KLPB_KVER != 6.1 ]]; then
		p=$PATCHDIR/47-vmalloc-stack-args-$KLPB_KVER.patch
		fn=__vmalloc_node_range_noprof
	fi
	klpb "$name" "$p"
	echo "$output"
	[ "$status" -eq 0 ]
	cp "$KLPB_TEST_BUILD/kernel/configs.ko" "$BATS_TEST_TMPDIR/"
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
printed() { dmesg | grep -o 'klpb_stackargs: .*'; }
callers() { grep -oE '[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+' /proc/vmallocinfo | sort -u | tr '\n' ' '; echo; }
insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark funcdir; ls /sys/kernel/livepatch/$name/vmlinux | grep -v patched | tr '\n' ' '; echo
mark vmalloc-before; callers
n0=\$(printed | wc -l)
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
mark printed; printed | tail -n +\$((n0 + 1)) | tr '\n' '|'; echo
mark config; wc -c </proc/config.gz
mark vmalloc-after; callers
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
rmmod configs
n1=\$(printed | wc -l)
insmod /klpb/configs.ko; rc=\$?; mark configs-again-rc; echo \$rc
mark config-again; wc -c </proc/config.gz
mark printed-disabled; echo \$((\$(printed | wc -l) - n1))
rmmod configs
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$BATS_TEST_TMPDIR/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	# the function among those patched (at -O2 on 6.1 its callers in
	# mm/vmalloc.c change too: same calls, other registers and order)
	[[ " $(guest_after funcdir)" == *" $fn,1 "* ]]
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	(( $(guest_after config) > 0 ))
	before=" $(guest_after vmalloc-before) "
	after=" $(guest_after vmalloc-after) "
	# what the new function printed while configs.ko loaded: each line
	# with node -1 and a caller kallsyms names
	[[ -n $(guest_after printed) ]]
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		[[ $line =~ ^klpb_stackargs:\ size=[1-9][0-9]*\ node=-1\ caller=([A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+)$ ]] ||
			{ echo "unexpected line: $line" >&2; return 1; }
		c=${BASH_REMATCH[1]}
		# the same call site as an allocation the original recorded
		# (the patch module's own), still there after configs.ko's
		if [[ $before == *" $c "* && $after == *" $c "* ]]; then hit=$c; fi
	done < <(guest_after printed | tr '|' '\n')
	echo "caller from the stack, as the original recorded it: ${hit:-none}"
	[[ -n $hit ]]
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq configs-again-rc "$(guest_after configs-again-rc)" 0
	expect_eq config-again "$(guest_after config-again)" "$(guest_after config)"
	expect_eq printed-disabled "$(guest_after printed-disabled)" 0
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

# a64_syscalls NAME: the syscall patch of the other architectures
# (patches/33: KLP_SYSCALL_DEFINE1 newuname -> uname -m, KLP_SYSCALL_DEFINE0
# getppid + 100000), unchanged.  On arm64 KLP_SYSCALL_DEFINEn is the
# kernel's SYSCALL_DEFINEn (arch/arm64/include/asm/syscall_wrapper.h, 6.1
# and 6.12): the entry __arm64_sys_NAME(regs) has the two ftrace NOPs;
# SYSCALL_DEFINE0 puts the body right into it; with arguments the static
# __se_sys_NAME is inlined into it and the body __do_sys_NAME, "static
# inline" hence notrace, stays out of line (-Os and -O2, both versions):
# create-diff-object carries it as a copy and patches it through its
# caller __arm64_sys_newuname, whose new copy calls the copy.  In the guest
# (uname(2) and a child shell's $PPID) the patched syscalls answer while
# enabled, the original ones after disable and after rmmod; only the two
# entries are patched; clean dmesg.
a64_syscalls() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko
	klpb "$name" "$PATCHDIR/33-syscalls-newuname-getppid.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "__do_sys_newuname has no ftrace site (notrace or inline): patching it through its caller __arm64_sys_newuname"
	assert_output_has "copied kernel/sys.o __do_sys_newuname"
	assert_output_has "changed kernel/sys.o __arm64_sys_newuname"
	assert_output_has "changed kernel/sys.o __arm64_sys_getppid"
	expect_eq "changed/new/copied" "$(grep -c '^klp-build:   \(changed\|new\|copied\) ' <<<"$output")" 3
	# the new entry calls (or tail-calls) the module's copy of the body
	aarch64-linux-gnu-objdump -dr --disassemble=__arm64_sys_newuname "$ko" |
		grep -E 'R_AARCH64_(CALL|JUMP)26[[:space:]]+__do_sys_newuname$'
	readelf -sW "$ko" | grep -qE ' FUNC +LOCAL .* __do_sys_newuname$'
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
# uname(2) -> newuname; a child shell's \$PPID (getppid) minus its parent's pid
check() { echo "\$(uname -m) \$(sh -c 'sh -c "echo \\\$PPID"; echo \$\$' | { read -r c; read -r p; echo \$((c - p)); })"; }
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
mark all; uname -a
mark funcs; ls /sys/kernel/livepatch/$name/vmlinux | grep , | sort | tr '\n' ' '; echo
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko"
	qemu_guest_out "$QEMU_LOG"
	expect_eq before "$(guest_after before)" "aarch64 0"
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq after "$(guest_after after)" "klpb_syscall 100000"
	[[ $(guest_after all) == Linux*klpb_syscall* ]]
	[[ $(guest_after funcs) =~ ^__arm64_sys_getppid,[0-9]+\ __arm64_sys_newuname,[0-9]+\ $ ]]
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq disabled "$(guest_after disabled)" "aarch64 0"
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	expect_eq removed "$(guest_after removed)" "aarch64 0"
	qemu_dmesg_clean "$QEMU_LOG"
}
