#!/bin/bash
# klp-convert tests on hand-made patch objects (fixtures/*.c compiled against
# the cached test kernel, records added by mkrecs), independent of
# create-diff-object and of the driver.
#
#   klp-convert/tests/run.sh [--boot]
#
# Runs against the x86_64 6.1 test kernel of the integration tests
# (test/lib/kernel.sh), building it once when it is not cached (as the bats
# files do), or against KLPB_TEST_BUILD when set (which must then be a
# complete build).  --boot also loads the result under QEMU
# (test/lib/qemu.sh) and compares the addresses the livepatch core resolved
# with vmlinux and the guest's /proc/kallsyms; without --boot that part is
# reported as skipped.  The last line is "N passed, N failed, N skipped";
# the exit status is non-zero if a check failed.  Without Debian's
# linux-source-6.1 the whole run is one skip, with the reason.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
KC=$REPO/klp-convert/klp-convert
BOOT=0
case ${1:-} in
--boot) BOOT=1 ;;
"") ;;
*) echo "usage: $0 [--boot]" >&2; exit 2 ;;
esac

NPASS=0 NFAIL=0 NSKIP=0
ok() { echo "ok   $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }
skip() { echo "SKIP $*"; NSKIP=$((NSKIP + 1)); }
summary() { echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"; }
check() { # DESCRIPTION CMD...
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

# The test kernel: the one of the integration tests unless KLPB_TEST_BUILD
# names another (kernel.sh would reset it to the default).
B_ENV=${KLPB_TEST_BUILD:-}
# shellcheck disable=SC2034 # read by kernel.sh
KLPB_ARCH=x86_64 KLPB_KVER=6.1
# shellcheck source=test/lib/kernel.sh
source "$REPO/test/lib/kernel.sh"
# shellcheck source=test/lib/qemu.sh
source "$REPO/test/lib/qemu.sh"
have_build() { [[ -f $1/vmlinux && -f $1/System.map && -f $1/kernel/configs.ko ]]; }
if [[ -n $B_ENV ]]; then
	KLPB_TEST_BUILD=$B_ENV
	have_build "$B_ENV" ||
		{ fail "KLPB_TEST_BUILD=$B_ENV is not a complete kernel build (vmlinux, System.map, kernel/configs.ko)"; summary; exit 1; }
elif ! have_build "$KLPB_TEST_BUILD"; then
	if [[ ! -r $KLPB_TARBALL && ! -f $KLPB_TEST_SRC/Makefile ]]; then
		skip "every klp-convert test: no test kernel in $KLPB_TEST_BUILD and linux-source-$KLPB_KVER is not installed (apt-get install linux-source-$KLPB_KVER)"
		summary
		exit 0
	fi
	echo "# building the test kernel in $KLPB_TEST_BUILD (once, as the integration tests do)"
	kernel_test_build >/dev/null || { fail "building the test kernel (test/lib/kernel.sh)"; summary; exit 1; }
fi
B=$KLPB_TEST_BUILD
[[ -x $KC ]] || { fail "$KC not built (make)"; summary; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/klp-convert-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

# ---- helpers
gcc -std=gnu11 -O1 -g -iquote "$REPO/lib" -iquote "$REPO/arch" -iquote "$REPO/kmod-template" \
	-o "$T/mkrecs" "$HERE/mkrecs.c" "$REPO/lib/libklpb.a" -lelf

mkdir "$T/obj"
cp "$HERE"/fixtures/*.c "$REPO/kmod-template/klpb-meta.h" "$T/obj/"
: >"$T/obj/Kbuild"
# a symbol name longer than the kernel's .klp.sym parser reads (511)
LONG=klpb_$(printf '%0600d' 0)
cat >"$T/obj/long.c" <<EOF
#include <linux/module.h>
#include "klpb-meta.h"
extern int e_long(void) asm("$LONG");
static int klpb_new_long(void) { return e_long(); }
struct klpb_func klpb_rec_long __section(".klp.funcs") __aligned(8) = {
	.old_name = "cmdline_proc_show", .new_func = klpb_new_long, .objfile = "fs/proc/cmdline.o",
};
EOF
make -s -C "$B" M="$T/obj" vmlinux.o configs.o errors.o long.o jumpkey.o >"$T/obj.log" 2>&1 ||
	{ cat "$T/obj.log"; echo "FAIL: compiling the fixtures"; exit 1; }

# Expected sympos of local NAME of the STT_FILE block FILE.c: its position
# among the same-named lines of System.map (address order, like kallsyms).
vmlinux_addr() { # NAME FILE.c
	readelf -sW "$B/vmlinux" | awk -v n="$1" -v f="$2" '$4 == "FILE" { cur = $8 } $8 == n && cur == f { print $2 }'
}
exp_pos() { # NAME FILE.c
	local addr i
	local -a all
	addr=$(vmlinux_addr "$1" "$2")
	[[ -n $addr && $(wc -l <<<"$addr") -eq 1 ]] || { echo "?"; return; }
	mapfile -t all < <(awk -v n="$1" '$3 == n { print $1 }' "$B/System.map")
	if [[ ${#all[@]} -eq 1 ]]; then echo 0; return; fi
	for i in "${!all[@]}"; do
		[[ ${all[$i]} == "$addr" ]] && { echo $((i + 1)); return; }
	done
	echo "?"
}

# ---- 1. a module patching vmlinux and configs.ko
cd "$T/obj"
"$T/mkrecs" vmlinux.o d_vmlinux.o 'saved_command_line:::0' \
	'type_show:vmlinux:kernel/reboot.o:1' 'set_root:vmlinux:kernel/ucount.o:1'
"$T/mkrecs" configs.o d_configs.o 'kernel_config_data:configs:kernel/configs.o:0' \
	'kernel_config_data_end:::0'
mkdir "$T/kmod"
cp "$REPO"/kmod-template/{klpb-begin.c,klpb-core.c,klpb-end.c,klpb-meta.h} d_vmlinux.o d_configs.o "$T/kmod/"
sed -e 's/@NAME@/klpb_ct/g' -e 's/@OBJS@/d_vmlinux.o d_configs.o/' -e 's/@REPLACE@/1/' \
	"$REPO/kmod-template/Kbuild.in" >"$T/kmod/Kbuild"
make -s -C "$B" M="$T/kmod" modules >"$T/kmod.log" 2>&1 ||
	{ cat "$T/kmod.log"; echo "FAIL: linking the module"; exit 1; }
check "modpost: only the expected warnings" \
	bash -c "! grep -i -e error -e warning '$T/kmod.log' | grep -v -e 'non-allocatable section' -e 'Did you forget' -e 'Note that' -e 'section definitions'"

check "klp-convert succeeds" "$KC" --kernel-build "$B" "$T/kmod/klpb_ct.ko" "$T/out.ko"
readelf -SW "$T/out.ko" >"$T/sections"
readelf -sW "$T/out.ko" >"$T/symbols"
readelf -rW "$T/out.ko" >"$T/relocs"
check "record sections removed" bash -c "! grep -E '\\.klp\\.(relocs|strings)' '$T/sections'"
check ".klp.rela.vmlinux..text: SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH" \
	grep -qE '\.klp\.rela\.vmlinux\.\.text +RELA .* AIo ' "$T/sections"
check ".klp.rela.configs..text: SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH" \
	grep -qE '\.klp\.rela\.configs\.\.text +RELA .* AIo ' "$T/sections"
# sh_info: the section the relocations patch
info=$(awk '$2 == ".klp.rela.vmlinux..text" { print $(NF-1) }' "$T/sections")
check ".klp.rela.vmlinux..text sh_info is .text" \
	grep -qE "^ *\[ *$info\] \.text " "$T/sections"
p_type=$(exp_pos type_show reboot.c)
p_root=$(exp_pos set_root ucount.c)
for s in "vmlinux.saved_command_line,0" "vmlinux.type_show,$p_type" "vmlinux.set_root,$p_root" \
	 "configs.kernel_config_data,0" "configs.kernel_config_data_end,0"; do
	check "symbol .klp.sym.$s (SHN_LIVEPATCH)" grep -qE "GLOBAL DEFAULT OS \[0xff20\] \.klp\.sym\.$s\$" "$T/symbols"
done
check "saved_command_line: 2 relocations share one symbol" \
	test "$(grep -c 'klp.sym.vmlinux.saved_command_line,0' "$T/relocs")" -eq 2
objcopy -O binary --only-section=.klp.funcs "$T/out.ko" "$T/funcs.bin"
check ".klp.funcs: sympos 0 for both functions" \
	test "$(od -v -An -tu8 -w48 "$T/funcs.bin" | awk '{ print $4 }' | tr '\n' ' ')" = "0 0 "
# --list (klp-build --report): the same output, one line per livepatch
# symbol with the position in its name, one per function record
"$KC" --kernel-build "$B" --list "$T/kmod/klpb_ct.ko" "$T/out-list.ko" >"$T/list" 2>"$T/list.err" ||
	fail "klp-convert --list: $(cat "$T/list.err")"
check "--list: the same OUT.ko" cmp -s "$T/out.ko" "$T/out-list.ko"
list_matches_symbols() { # LIST KO: the symbol lines are exactly KO's .klp.sym symbols
	diff <(awk '$1 == "symbol" { print $2 "." $3 "," $4 }' "$1" | LC_ALL=C sort) \
		<(readelf -sW "$2" | awk '$NF ~ /^\.klp\.sym\./ { print substr($NF, 10) }' | LC_ALL=C sort -u)
}
check "--list: every .klp.sym symbol, with its position" list_matches_symbols "$T/list" "$T/out.ko"
check "--list: both function records, sympos 0" \
	test "$(awk '$1 == "function" { print $2, $3, $4, $5 }' "$T/list" | LC_ALL=C sort | tr '\n' ';')" = \
	"configs ikconfig_read_current 0 kernel/configs.o;vmlinux cmdline_proc_show 0 fs/proc/cmdline.o;"

# 6.12 spells modules.order lines path/x.o
mkdir -p "$T/b612/kernel"
ln -s "$B/vmlinux" "$T/b612/vmlinux"
ln -s "$B/kernel/configs.ko" "$T/b612/kernel/configs.ko"
echo kernel/configs.o >"$T/b612/modules.order"
check "modules.order with .o lines (6.12)" \
	bash -c "'$KC' --kernel-build '$T/b612' '$T/kmod/klpb_ct.ko' '$T/out612.ko' && cmp -s '$T/out.ko' '$T/out612.ko'"

# ---- 2. what must be refused or disambiguated
conv_err() { # DESCRIPTION EXPECTED-MESSAGE SPEC...
	local d=$1 msg=$2
	shift 2
	"$T/mkrecs" errors.o "$T/e.o" "$@" 2>"$T/e.log" || { fail "$d: mkrecs"; return; }
	if "$KC" --kernel-build "$B" "$T/e.o" "$T/e-out.o" 2>"$T/e.log"; then
		fail "$d: klp-convert succeeded"
	elif grep -qF -- "$msg" "$T/e.log"; then
		ok "$d"
	else
		fail "$d: got: $(cat "$T/e.log")"
	fi
}
conv_err "unknown global" "global symbol 'klpb_nosuch_symbol' not found" 'klpb_nosuch_symbol:::0'
conv_err "local of an object without STT_FILE" "no STT_FILE symbol for kernel/nosuch.o" \
	'type_show:vmlinux:kernel/nosuch.o:1'
conv_err "local missing from its object" "symbol 'klpb_nosuch_symbol' of kernel/reboot.o not found" \
	'klpb_nosuch_symbol:vmlinux:kernel/reboot.o:1'
conv_err "module symbol in .init.text" "which the module drops after init" \
	'ikconfig_init:configs:kernel/configs.o:1'
conv_err "module relocation without a function of that module" "the patch changes no function of configs" \
	'ikconfig_cleanup:configs:kernel/configs.o:1'
conv_err "unknown module" "module nosuchmod not found in modules.order" \
	'edge_show:nosuchmod:kernel/x.o:1'
"$T/mkrecs" long.o "$T/e.o" "$LONG:::0"
if "$KC" --kernel-build "$B" "$T/e.o" "$T/e-out.o" 2>"$T/e.log"; then
	fail "symbol name over 511 characters: accepted"
elif grep -q 'is longer than 511 characters' "$T/e.log"; then
	ok "symbol name over 511 characters refused"
else
	fail "symbol name over 511 characters: got: $(cat "$T/e.log")"
fi
"$T/mkrecs" jumpkey.o "$T/e.o" 'kernel_config_data:configs:kernel/configs.o:0'
if "$KC" --kernel-build "$B" "$T/e.o" "$T/e-out.o" 2>"$T/e.log"; then
	fail "static key of a module in __jump_table: accepted"
elif grep -q '__jump_table+0x.*static key kernel_config_data is defined in module configs.*static_key_enabled' "$T/e.log"; then
	ok "static key of a module in __jump_table refused (named, hint)"
else
	fail "static key of a module in __jump_table: got: $(cat "$T/e.log")"
fi
conv_err "vmlinux symbol in .init.text" "which is freed after boot" 'start_kernel:::0'
"$T/mkrecs" errors.o "$T/e.o" 'kallsyms_lookup_name:::0'
check "kallsyms_lookup_name (a kallsyms_ name kallsyms keeps) resolves" \
	bash -c "'$KC' --kernel-build '$B' '$T/e.o' '$T/e-out.o' && readelf -sW '$T/e-out.o' | grep -q 'klp.sym.vmlinux.kallsyms_lookup_name,0'"
# several core.c blocks hold edge_show: the original object decides
for f in intel amd; do
	"$T/mkrecs" errors.o "$T/e.o" "edge_show:vmlinux:arch/x86/events/$f/core.o:1"
	if "$KC" --kernel-build "$B" --list "$T/e.o" "$T/e-out.o" >"$T/e.list" 2>"$T/e.log"; then
		pos=$(readelf -sW "$T/e-out.o" | grep -o 'klp\.sym\.vmlinux\.edge_show,[0-9]*' | cut -d, -f2)
		check "--list: edge_show of arch/x86/events/$f/core.o at position $pos" \
			grep -qx "symbol vmlinux edge_show $pos arch/x86/events/$f/core.o" "$T/e.list"
		addr=$(awk '$3 == "edge_show" { print $1 }' "$B/System.map" | sed -n "${pos}p")
		# the chosen address must lie in the block that holds this object's locals
		blk=$(readelf -sW "$B/vmlinux" | awk -v a="$addr" '$4 == "FILE" { n++ } $2 == a && $8 == "edge_show" { print n }')
		if readelf -sW "$B/vmlinux" | awk -v b="$blk" '$4 == "FILE" { n++ } n == b && $5 == "LOCAL" && ($4 == "FUNC" || $4 == "OBJECT") { print $8 }' |
			sort -u >"$T/blk" && [[ -s $T/blk ]] && readelf -sW "$B/arch/x86/events/$f/core.o" | awk '$5 == "LOCAL" && ($4 == "FUNC" || $4 == "OBJECT") { print $8 }' |
			sort -u >"$T/objlocals" && [[ -z $(comm -23 "$T/blk" "$T/objlocals") ]]; then
			ok "edge_show of arch/x86/events/$f/core.o -> position $pos"
		else
			fail "edge_show of arch/x86/events/$f/core.o -> position $pos: wrong block"
		fi
	else
		fail "edge_show of arch/x86/events/$f/core.o: $(cat "$T/e.log")"
	fi
done

# ---- 3. boot: the kernel resolves what klp-convert wrote
# guest_has OUT LINE-ERE: a line of the guest output OUT matches LINE-ERE
guest_has() { grep -qE -- "$2" <<<"$1"; }
# resolved WHAT ADDR LINE-ERE: ADDR (of WHAT) is a 64-bit kernel address
# (16 hex digits: an empty one would make LINE-ERE match anything) and a
# line of the guest output matches LINE-ERE
resolved() {
	[[ $2 =~ ^[0-9a-f]{16}$ ]] || { echo "    $1: no address ('$2')"; return 1; }
	guest_has "$out" "$3"
}
if [[ $BOOT -eq 0 ]]; then
	skip "boot: loading the result under QEMU (run with --boot; make check-convert does)"
else
	cat >"$T/guest.sh" <<'EOF'
klp_insmod /klpb/out.ko; echo "insmod=$?"
cat /proc/cmdline
insmod /klpb/configs.ko; echo "insmod-configs=$?"
cat /proc/config.gz
grep -w kernel_config_data /proc/kallsyms
klp_disable klpb_ct; echo "disable=$?"
rmmod klpb_ct; echo "rmmod=$?"
EOF
	export BATS_TEST_TMPDIR=$T/qemu
	mkdir -p "$BATS_TEST_TMPDIR"
	if qemu_test "$T/guest.sh" "$T/out.ko" "$B/kernel/configs.ko"; then
		out=$(qemu_guest_out "$QEMU_LOG")
		printf '%s\n' "$out" | sed 's/^/    guest: /'
		for step in insmod insmod-configs disable rmmod; do
			check "guest: $step succeeded" guest_has "$out" "^$step=0\$"
		done
		# the addresses the patched functions print (%px) are those of
		# the right local symbols in vmlinux (no KASLR in the test kernel)
		a=$(vmlinux_addr type_show reboot.c)
		check "guest: type_show of kernel/reboot.o resolved" \
			resolved "type_show in vmlinux" "$a" "^klpb type_show $a set_root "
		a=$(vmlinux_addr set_root ucount.c)
		check "guest: set_root of kernel/ucount.o resolved" \
			resolved "set_root in vmlinux" "$a" " set_root $a saved_command_line "
		a=$(awk '$2 ~ /^[rR]$/ && $3 == "kernel_config_data" { print $1 }' <<<"$out" | head -n 1)
		check "guest: kernel_config_data of configs resolved" \
			resolved "kernel_config_data in the guest's kallsyms" "$a" "^klpb-configs $a [0-9]+\$"
		check "guest: dmesg clean" qemu_dmesg_clean "$QEMU_LOG"
	else
		fail "guest did not finish"
	fi
fi

summary
[[ $NFAIL -eq 0 ]]
