# shellcheck shell=bash
# Helpers for test/unit/fixtures/*/check scripts.  Sourced by test/unit/run in
# a subshell per case.  Variables available to a check script:
#   CASE      case name (directory name)
#   FIX       fixture directory
#   C         scratch directory of this case (orig.o, patched.o, out.o, ...)
#   ORIG PATCHED OUT   object paths given to create-diff-object
#   OBJFILE   value passed as --objfile (unit/$CASE.o)
#   SYMVERS   generated Module.symvers (always has __fentry__; plus fixture 'exports')
#   RC        exit code of the last cdo run
#   DUMP      elfdump output of OUT (empty file if OUT was not written)
#   ORIG_DUMP PATCHED_DUMP   elfdump output of the inputs
#
# Record kinds in dumps (see elfdump.c): section symbol reloc klpfunc klpreloc
# klpfuncs klprelocs check.  Criteria are key=value; a value starting with
# '~' is an extended regex that must match the whole value.  Strings are
# escaped: a space is \040.

FAILS=0
NO_COMMON=${NO_COMMON:-0}

# What check_common expects of the target architecture (UNIT_ARCH, set by
# test/unit/run from the case's 'arch' file): the ELF machine, the
# relocation type of a 64-bit pointer, the "none" relocation type, the
# relocation types of calls, the linker that must accept OUT.o, and
# undefined symbols that need no export because the module link or the
# loader provides them (glob patterns; ppc64le: .TOC., the module's TOC
# base, and the out-of-line register save/restore functions GCC calls at
# -Os, which the module link adds: --save-restore-funcs or crtsavres.o), and
# support functions the output defines without reporting them (s390x 6.1:
# private copies of the object's expoline thunks, which included code calls).
case ${UNIT_ARCH:-x86_64} in
ppc64le)
	ARCH_MACHINE=21 ARCH_PTR_RELOC=R_PPC64_ADDR64 ARCH_NONE_RELOC=R_PPC64_NONE
	ARCH_CALL_RELOCS=(R_PPC64_REL24 R_PPC64_REL24_NOTOC R_PPC64_REL14)
	ARCH_LD=${PPC64LE_LD:-powerpc64le-linux-gnu-ld}
	ARCH_LINKER_SYMS=(.TOC. '_savegpr[01]_*' '_restgpr[01]_*' '_savefpr_*' '_restfpr_*' '_savevr_*' '_restvr_*') ;;
s390x)
	ARCH_MACHINE=22 ARCH_PTR_RELOC=R_390_64 ARCH_NONE_RELOC=R_390_NONE
	ARCH_CALL_RELOCS=(R_390_PLT32DBL R_390_PC32DBL)
	ARCH_LD=${S390X_LD:-s390x-linux-gnu-ld} ARCH_LINKER_SYMS=()
	ARCH_SUPPORT_FUNCS=('__s390_indirect_jump_r[0-9]*') ;;
arm64)
	ARCH_MACHINE=183 ARCH_PTR_RELOC=R_AARCH64_ABS64 ARCH_NONE_RELOC=R_AARCH64_NONE
	ARCH_CALL_RELOCS=(R_AARCH64_CALL26 R_AARCH64_JUMP26)
	ARCH_LD=${ARM64_LD:-aarch64-linux-gnu-ld} ARCH_LINKER_SYMS=() ;;
arm)
	ARCH_MACHINE=40 ARCH_PTR_RELOC=R_ARM_ABS32 ARCH_NONE_RELOC=R_ARM_NONE
	ARCH_CALL_RELOCS=(R_ARM_CALL R_ARM_JUMP24)
	ARCH_LD=${ARM_LD:-arm-linux-gnueabihf-ld} ARCH_LINKER_SYMS=() ;;
*)
	ARCH_MACHINE=62 ARCH_PTR_RELOC=R_X86_64_64 ARCH_NONE_RELOC=R_X86_64_NONE
	ARCH_CALL_RELOCS=(R_X86_64_PLT32)
	ARCH_LD=${LD:-ld} ARCH_LINKER_SYMS=() ;;
esac
[ -n "${ARCH_SUPPORT_FUNCS+set}" ] || ARCH_SUPPORT_FUNCS=()
RC=
CDO_RAN=0

fail() {
	FAILS=$((FAILS + 1))
	printf '%s\n' "$*" >>"$C/diag"
}

note() {
	printf '%s\n' "$*" >>"$C/diag"
}

# skip REASON: the case cannot be checked here (counted as skipped); after a
# failed expectation it fails instead, so a skip never hides a failure
skip() {
	if [ "$FAILS" -gt 0 ]; then
		fail "skip requested after $FAILS failed expectation(s): $*"
		exit 1
	fi
	printf '%s\n' "$*" >"$C/skip"
	exit 77
}

# records FILE KIND CRIT... : print the records of FILE matching all criteria
records() {
	local file=$1 kind=$2
	shift 2
	local IFS=$'\037'
	CRIT="$*" KIND="$kind" awk '
	BEGIN { crit = ENVIRON["CRIT"]; kind = ENVIRON["KIND"];
		n = (crit == "") ? 0 : split(crit, c, "\037") }
	$1 == kind {
		split("", m)
		for (i = 2; i <= NF; i++) { p = index($i, "="); if (p) m[substr($i, 1, p - 1)] = substr($i, p + 1) }
		ok = 1
		for (j = 1; j <= n; j++) {
			p = index(c[j], "="); k = substr(c[j], 1, p - 1); v = substr(c[j], p + 1)
			if (!(k in m)) { ok = 0; break }
			if (substr(v, 1, 1) == "~") { if (m[k] !~ ("^(" substr(v, 2) ")$")) { ok = 0; break } }
			else if (m[k] != v) { ok = 0; break }
		}
		if (ok) print
	}' "$file"
}

# field LINE KEY : value of KEY in a record line
field() {
	local tok
	for tok in $1; do
		case $tok in
		"$2"=*) printf '%s\n' "${tok#*=}"; return 0 ;;
		esac
	done
	return 1
}

count_records() {
	records "$@" | wc -l
}

expect_record() {
	local kind=$1
	shift
	if [ "$(count_records "$DUMP" "$kind" "$@")" -lt 1 ]; then
		fail "expected a '$kind' record with: $*"
		local similar
		similar=$(records "$DUMP" "$kind" | head -n 12)
		[ -n "$similar" ] && note "    existing '$kind' records:" && printf '      %s\n' "${similar//$'\n'/$'\n'      }" >>"$C/diag"
	fi
	return 0
}

expect_no_record() {
	local kind=$1 got
	shift
	got=$(records "$DUMP" "$kind" "$@")
	if [ -n "$got" ]; then
		fail "expected NO '$kind' record with: $*; found:"
		printf '      %s\n' "${got//$'\n'/$'\n'      }" >>"$C/diag"
	fi
	return 0
}

expect_record_count() {
	local n=$1 kind=$2 got
	shift 2
	got=$(count_records "$DUMP" "$kind" "$@")
	if [ "$got" -ne "$n" ]; then
		fail "expected $n '$kind' record(s) with: ${*:-(any)}; found $got"
		records "$DUMP" "$kind" "$@" | head -n 12 | sed 's/^/      /' >>"$C/diag"
	fi
	return 0
}

# --- running the tool -------------------------------------------------------

_dump_out() {
	: >"$DUMP"
	if [ -e "$OUT" ]; then
		"$ELFDUMP" "$OUT" >"$DUMP" 2>&1
		DUMP_RC=$?
	else
		DUMP_RC=-1
	fi
}

# cdo_raw ARGS... : run create-diff-object with exactly ARGS
cdo_raw() {
	# shellcheck disable=SC2034 # read by test/unit/run
	CDO_RAN=1
	if [ ! -x "$CDO" ]; then
		RC=127
		echo "$RC" >"$C/rc"
		: >"$C/stdout"
		echo "create-diff-object not built: $CDO (run make)" >"$C/stderr"
		fail "create-diff-object not built: $CDO (run make)"
		exit 1
	fi
	timeout "${KLPB_UNIT_TIMEOUT:-60}" "$CDO" "$@" >"$C/stdout" 2>"$C/stderr" </dev/null
	RC=$?
	echo "$RC" >"$C/rc"
	printf '%q ' "$CDO" "$@" >"$C/cmdline"
	[ "$RC" = 124 ] && fail "create-diff-object timed out after ${KLPB_UNIT_TIMEOUT:-60}s"
	[ "$RC" -ge 128 ] && fail "create-diff-object killed by signal $((RC - 128)) (crash)"
	_dump_out
	return 0
}

# cdo [OPTIONS...] : run with OPTIONS + the default --objfile/--symvers and ORIG PATCHED OUT
cdo() {
	rm -f "$OUT"
	cdo_raw "$@" --objfile "$OBJFILE" --symvers "$SYMVERS" "$ORIG" "$PATCHED" "$OUT"
}

# cdo_corrupt [--orig] OP... : run create-diff-object (as cdo does) on a copy
# of PATCHED (of ORIG with --orig) changed by test/unit/elfmut OP..., in
# $C/corrupt.o: how the unit cases reproduce what fuzzing found, without
# committing a corrupted binary.
cdo_corrupt() {
	local side=patched
	[ "$1" = --orig ] && { side=orig; shift; }
	if [ $side = orig ]; then cp "$ORIG" "$C/corrupt.o"; else cp "$PATCHED" "$C/corrupt.o"; fi
	if ! "$UNIT_DIR/elfmut" "$C/corrupt.o" "$@" 2>>"$C/diag"; then
		fail "test/unit/elfmut $* failed"
		return 0
	fi
	rm -f "$OUT"
	if [ $side = orig ]; then
		cdo_raw --objfile "$OBJFILE" --symvers "$SYMVERS" "$C/corrupt.o" "$PATCHED" "$OUT"
	else
		cdo_raw --objfile "$OBJFILE" --symvers "$SYMVERS" "$ORIG" "$C/corrupt.o" "$OUT"
	fi
}

# expect_corrupt_refused WORD... : the last cdo_corrupt run failed cleanly (exit
# 1, nothing written) with an error naming the corrupted file and every WORD
expect_corrupt_refused() {
	expect_rc 1
	expect_no_out
	expect_stderr_mentions "create-diff-object: error: $C/corrupt.o: " "$@"
	return 0
}

# --- klp-convert on a diff object ---------------------------------------------
# klp-convert reads records, not kernels, as far as these cases go: the
# "kernel build" is a directory whose vmlinux is ORIG linked with ld -r (so
# its symbols, STT_FILE block "orig.c", resolve the records of a diff object
# made with --objfile orig.o).

# kc_kernel_build : $C/kbuild with vmlinux and orig.o; prints the directory
kc_kernel_build() {
	mkdir -p "$C/kbuild"
	if ! ld -r -o "$C/kbuild/vmlinux" "$ORIG" || ! cp "$ORIG" "$C/kbuild/orig.o"; then
		fail "cannot make the stand-in kernel build $C/kbuild"
	fi
	echo "$C/kbuild"
}

# kc_module_build MOD : for --in-module-core cases (arm64 slots of module
# symbols): $C/kbuild, a stand-in kernel build whose vmlinux defines the
# anchor register_ftrace_function and what the case's vmlinux.c defines,
# and whose one module MOD (modules.order) is ORIG linked with ld -r; and
# $C/patch.ko, OUT.o linked with a stand-in of the in-module core (an
# initialised klpb_slot_table, a call of the anchor).  Compiled with the
# case's compiler and flags.
kc_module_build() {
	local mod=$1 vml=$SRCFIX/vmlinux.c
	[ -f "$vml" ] || vml=$FIX/vmlinux.c
	mkdir -p "$C/kbuild"
	{
		echo 'int register_ftrace_function(void *ops) { return 0; }'
		[ ! -f "$vml" ] || cat "$vml"
	} >"$C/kbuild-vmlinux.c"
	cat >"$C/kbuild-core.c" <<'CORE'
struct klpb_slot_table { void *slots; unsigned long nr; };
struct klpb_slot_table klpb_slot_table __attribute__((section(".data"))) = { 0, 0 };
extern int register_ftrace_function(void *ops);
int klpb_core_init(void) { return register_ftrace_function(0); }
CORE
	if ! "$CC" "${FIXTURE_CFLAGS[@]}" -o "$C/kbuild-vmlinux.o" "$C/kbuild-vmlinux.c" >>"$C/diag" 2>&1 ||
		! "$CC" "${FIXTURE_CFLAGS[@]}" -o "$C/kbuild-core.o" "$C/kbuild-core.c" >>"$C/diag" 2>&1 ||
		! "$ARCH_LD" -r -o "$C/kbuild/vmlinux" "$C/kbuild-vmlinux.o" ||
		! "$ARCH_LD" -r -o "$C/kbuild/$mod.ko" "$ORIG" ||
		! echo "$mod.ko" >"$C/kbuild/modules.order" ||
		! "$ARCH_LD" -r -o "$C/patch.ko" "$OUT" "$C/kbuild-core.o"; then
		fail "cannot make the stand-in kernel build $C/kbuild or $C/patch.ko"
	fi
}

# kc_raw ARGS... : run klp-convert ($KC) with exactly ARGS; sets RC,
# $C/stdout, $C/stderr like cdo_raw
kc_raw() {
	timeout "${KLPB_UNIT_TIMEOUT:-60}" "$KC" "$@" >"$C/stdout" 2>"$C/stderr" </dev/null
	RC=$?
	echo "$RC" >"$C/rc"
	printf '%q ' "$KC" "$@" >"$C/cmdline"
	[ "$RC" = 124 ] && fail "klp-convert timed out after ${KLPB_UNIT_TIMEOUT:-60}s"
	[ "$RC" -ge 128 ] && fail "klp-convert killed by signal $((RC - 128)) (crash)"
	return 0
}

# kc_corrupt OP... : klp-convert --kernel-build $C/kbuild on a copy of OUT
# changed by test/unit/elfmut OP..., in $C/corrupt.ko
kc_corrupt() {
	cp "$OUT" "$C/corrupt.ko"
	if ! "$UNIT_DIR/elfmut" "$C/corrupt.ko" "$@" 2>>"$C/diag"; then
		fail "test/unit/elfmut $* failed"
		return 0
	fi
	rm -f "$C/converted.ko"
	kc_raw --kernel-build "$C/kbuild" "$C/corrupt.ko" "$C/converted.ko"
}

# expect_kc_refused WORD... : the last kc_corrupt run failed cleanly
expect_kc_refused() {
	expect_rc 1
	[ -e "$C/converted.ko" ] && fail "expected no output of klp-convert"
	expect_stderr_mentions "klp-convert: error: $C/corrupt.ko: " "$@"
	return 0
}

# --- common expectations ----------------------------------------------------

expect_rc() {
	[ "$RC" = "$1" ] || fail "expected exit code $1, got $RC"
	return 0
}

expect_out_written() {
	[ -s "$OUT" ] || fail "expected OUT.o to be written"
	return 0
}

expect_no_out() {
	[ -e "$OUT" ] && fail "expected OUT.o NOT to be written, but it exists"
	return 0
}

# expect_reported [changed|new|copied FN]... : exact set of stdout lines (order-free)
expect_reported() {
	local want="" got
	while [ $# -ge 2 ]; do
		want+="$1 $OBJFILE $2"$'\n'
		shift 2
	done
	want=$(printf '%s' "$want" | sed '/^$/d' | LC_ALL=C sort)
	got=$(sed '/^$/d' "$C/stdout" | LC_ALL=C sort)
	if [ "$want" != "$got" ]; then
		fail "stdout lines differ (want vs got, sorted):"
		printf '%s\n' "${want:-(nothing)}" | sed 's/^/      want: /' >>"$C/diag"
		printf '%s\n' "${got:-(nothing)}" | sed 's/^/      got:  /' >>"$C/diag"
	fi
	return 0
}

# expect_stderr_mentions WORD... : each WORD appears in stderr (fixed string)
expect_stderr_mentions() {
	local w
	for w in "$@"; do
		grep -qF -- "$w" "$C/stderr" || fail "expected stderr to mention '$w'"
	done
	return 0
}

expect_stdout_not_mentions() {
	local w
	for w in "$@"; do
		grep -qw -- "$w" "$C/stdout" && fail "expected stdout NOT to mention '$w'"
	done
	return 0
}

expect_section() { expect_record section "name=$1" "${@:2}"; }
expect_no_section() { expect_no_record section "name=$1"; }
expect_defined() { expect_record symbol "name=$1" 'shndx=~[^U].*|U[^N].*' "${@:2}"; }
expect_not_defined() { expect_no_record symbol "name=$1" 'shndx=~[^U].*|U[^N].*'; }
expect_klp_reloc() { expect_record klpreloc "$@"; }
expect_no_klp_reloc() { expect_no_record klpreloc "$@"; }
expect_klp_func() { expect_record klpfunc "$@"; }
# normal relocation from section SEC (e.g. .text.foo) resolving to REF
expect_reloc() { expect_record reloc "target=$1" "ref=$2" "${@:3}"; }
expect_no_reloc() { expect_no_record reloc "target=$1" "ref=$2" "${@:3}"; }

# in_exports NAME : NAME is listed in the generated Module.symvers
in_exports() {
	awk -v n="$1" -F'\t' '$2 == n { f = 1 } END { exit !f }' "$SYMVERS"
}

# Structural checks run after every case whose last run exited 0.
check_common() {
	local line kind fn changed=() new=() all=() notraced=() f n

	[ -s "$OUT" ] || { fail "common: exit 0 but OUT.o not written"; return 0; }
	if [ "$DUMP_RC" != 0 ]; then
		fail "common: elfdump failed on OUT.o (rc $DUMP_RC):"
		grep -E '^(error|check)' "$DUMP" | head -n 5 | sed 's/^/      /' >>"$C/diag"
	fi
	expect_record elf type=REL "machine=$ARCH_MACHINE"
	expect_record check symtab_order=ok

	if ! "$ARCH_LD" -r -o "$C/linked.o" "$OUT" >"$C/ld.log" 2>&1; then
		fail "common: '$ARCH_LD -r OUT.o' failed:"
		head -n 5 "$C/ld.log" | sed 's/^/      /' >>"$C/diag"
	fi

	# stdout lines
	[ -s "$C/stdout" ] || fail "common: exit 0 but no stdout lines"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if [[ $line =~ ^(changed|new|copied)\ ([^ ]+)\ ([^ ]+)$ ]]; then
			kind=${BASH_REMATCH[1]}
			fn=${BASH_REMATCH[3]}
			[ "${BASH_REMATCH[2]}" = "$OBJFILE" ] ||
				fail "common: stdout line names objfile '${BASH_REMATCH[2]}', expected '$OBJFILE'"
			all+=("$fn")
			if [ "$kind" = changed ]; then changed+=("$fn"); else new+=("$fn"); fi
			[ "$kind" = copied ] && notraced+=("$fn")
		else
			fail "common: malformed stdout line: '$line'"
		fi
	done <"$C/stdout"

	# .klp.funcs: one entry per changed function
	local want_objname=${EXPECT_OBJNAME:-NULL}
	for f in "${changed[@]}"; do
		n=$(count_records "$DUMP" klpfunc "old_name=$f")
		if [ "$n" -ne 1 ]; then
			fail "common: expected exactly 1 .klp.funcs entry for changed '$f', found $n"
		else
			expect_record klpfunc "old_name=$f" "new_func=$f" "objname=$want_objname" sympos=0 \
				"objfile=$OBJFILE" flags=0 old_name_sec=.rodata.klpb.str "ptrtypes=~($ARCH_PTR_RELOC,|-,)+"
		fi
	done
	for f in "${new[@]}"; do
		expect_no_record klpfunc "old_name=$f"
	done
	n=$(count_records "$DUMP" klpfunc)
	[ "$n" -eq "${#changed[@]}" ] ||
		fail "common: .klp.funcs has $n entries, expected ${#changed[@]} (one per 'changed' line)"
	if [ "${#changed[@]}" -gt 0 ]; then
		expect_record section name=.klp.funcs type=PROGBITS 'flags=~WA.*' align=8 "size=$((48 * ${#changed[@]}))"
		expect_record section name=.rodata.klpb.str 'flags=~W?A.*'
	fi

	# included functions are defined; nothing else is
	for f in "${all[@]}"; do
		expect_record symbol "name=$f" type=FUNC 'shndx=~[^U].*|U[^N].*'
	done
	local defs d
	defs=$(records "$DUMP" symbol type=FUNC 'shndx=~[^U].*|U[^N].*' | sed -n 's/^symbol name=\([^ ]*\) .*/\1/p')
	for d in $defs; do
		local base=${d%.cold} ok=0 p
		for f in "${all[@]}"; do [ "$f" = "$base" ] && ok=1; done
		# shellcheck disable=SC2053 # the entries are glob patterns
		for p in "${ARCH_SUPPORT_FUNCS[@]}"; do [[ $d == $p ]] && ok=1; done
		[ $ok = 1 ] || fail "common: function '$d' is defined in OUT.o but not reported on stdout"
	done

	# __mcount_loc: exactly one entry per included function, none for others
	# (when the compiler records the ftrace calls: x86_64 -mrecord-mcount;
	# on ppc64le Kbuild's recordmcount does it, which the fixtures skip)
	if [ -z "$(records "$PATCHED_DUMP" section name=__mcount_loc)" ]; then
		expect_no_section __mcount_loc
	else
		for f in "${all[@]}"; do
			case $f in *.cold | *.cold.*) continue ;; esac # no fentry in cold parts
			case " ${notraced[*]} " in *" $f "*) continue ;; esac # no fentry: copied
			n=$(count_records "$DUMP" reloc target=__mcount_loc "ref=$f")
			[ "$n" -eq 1 ] || fail "common: expected 1 __mcount_loc entry for '$f', found $n"
		done
		local refs r
		refs=$(records "$DUMP" reloc target=__mcount_loc | sed -n 's/.* ref=\([^ ]*\).*/\1/p')
		for r in $refs; do
			local ok=0
			for f in "${all[@]}"; do [ "$f" = "$r" ] && ok=1; done
			[ $ok = 1 ] || fail "common: __mcount_loc entry for '$r' which is not an included function"
		done
		if [ -n "$(records "$DUMP" section name=__mcount_loc)" ]; then
			local nf=0
			for f in "${all[@]}"; do case $f in *.cold | *.cold.*) ;; *) nf=$((nf + 1)) ;; esac; done
			nf=$((nf - ${#notraced[@]}))
			n=$(records "$DUMP" section name=__mcount_loc | sed -n 's/.* size=\([0-9]*\).*/\1/p')
			[ "$n" -eq $((8 * nf)) ] ||
				fail "common: __mcount_loc size $n, expected $((8 * nf)) (8 per included function)"
		fi
	fi

	# .klp.relocs well-formed
	if [ -n "$(records "$DUMP" section name=.klp.relocs)" ]; then
		expect_no_record section name=.klp.relocs 'flags=~.*A.*'
		expect_record section name=.klp.relocs align=8
		expect_record klprelocs rem=0
		expect_no_record section name=.klp.strings 'flags=~.*A.*'
		expect_no_record klpreloc 'place_symtype=~[^S].*'
		local bad
		# every pointer field is one absolute 64-bit relocation (or none: NULL)
		expect_no_record klpreloc 'ptrtypes=~(.*,)?(DUP|R_[0-9]+)(,.*)?'
		bad=$(records "$DUMP" klpreloc | grep -vE " ptrtypes=($ARCH_PTR_RELOC,|-,)+( |\$)" || true)
		[ -z "$bad" ] || { fail "common: klp reloc pointer field not a $ARCH_PTR_RELOC relocation:"; printf '      %s\n' "${bad//$'\n'/$'\n'      }" >>"$C/diag"; }
		expect_no_record klpreloc 'flags=~[^01]|..+'
		expect_no_record klpreloc "type=~R_[0-9]+|$ARCH_NONE_RELOC"
		expect_no_record klpreloc 'name=~NULL|BADPTR|BADSTR.*|""'
		# assembler-local labels (.LC0, .L123) never reach kallsyms
		expect_no_record klpreloc 'name=~\.L.*'
		bad=$(records "$DUMP" klpreloc | grep -v -F ' name_sec=.klp.strings ' || true)
		[ -z "$bad" ] || { fail "common: klp reloc name not a string in .klp.strings:"; printf '      %s\n' "${bad//$'\n'/$'\n'      }" >>"$C/diag"; }
		bad=$(records "$DUMP" klpreloc flags=1 | grep -v -F " objfile=$OBJFILE " || true)
		[ -z "$bad" ] || { fail "common: klp reloc of a local symbol (flags=1) without objfile=$OBJFILE:"; printf '      %s\n' "${bad//$'\n'/$'\n'      }" >>"$C/diag"; }
		# the place must not also carry a normal relocation
		local rec place sec off
		while IFS= read -r rec; do
			place=$(field "$rec" place)
			sec=${place%+*}
			off=${place##*+}
			[ -n "$(records "$DUMP" section "name=$sec")" ] ||
				fail "common: klp reloc place section '$sec' not in OUT.o ($rec)"
			[ -n "$(records "$DUMP" reloc "target=$sec" "off=$off")" ] &&
				fail "common: klp reloc at $place still has a normal relocation too"
			# a call of a function included in OUT.o must bind to the new copy
			# in the module, not to the original through .klp.relocs (its
			# address, taken by patched code, stays the original's by design:
			# docs/DESIGN.md, unit func_pointer_static, ppc_func_address_kept)
			local nm
			nm=$(field "$rec" name)
			case " ${ARCH_CALL_RELOCS[*]} " in *" $(field "$rec" type) "*) ;; *) continue ;; esac
			[ -n "$(records "$DUMP" symbol "name=$nm" type=FUNC 'shndx=~[^U].*|U[^N].*')" ] &&
				fail "common: klp reloc at $place for '$nm', but OUT.o includes '$nm' itself (should be a normal relocation to the new copy)"
		done < <(records "$DUMP" klpreloc)
	fi

	# normal relocations in allocated sections must be linkable by a module
	local sym target tsec p
	while IFS= read -r rec; do
		sym=$(field "$rec" sym)
		# symbol index 0: no symbol (e.g. ppc64 R_PPC64_ENTRY, a linker hint)
		[ "$sym" != NONE ] || continue
		target=$(field "$rec" target)
		case $target in .klp.*) continue ;; esac
		tsec=$(records "$DUMP" section "name=$target")
		[[ $(field "$tsec" flags) == *A* ]] || continue
		# shellcheck disable=SC2053 # the entries are glob patterns
		for p in "${ARCH_LINKER_SYMS[@]}"; do [[ $sym == $p ]] && continue 2; done
		if [ "$(field "$rec" symbind)" = LOCAL ]; then
			fail "common: relocation against undefined LOCAL symbol: $rec"
		elif ! in_exports "$sym"; then
			fail "common: normal relocation against '$sym' which is neither defined in OUT.o nor exported (should be a .klp.relocs record): $(field "$rec" sec)+$(field "$rec" off)"
		fi
	done < <(records "$DUMP" reloc symshndx=UND)
	return 0
}

# expect_klp_relocs_replace SEC REF [CRIT...] : every relocation of SEC that
# resolves to REF in PATCHED.o became a .klp.relocs record at the same place
# (function bytes are copied unchanged), with CRIT, naming REF with the addend
# relative to REF -- or naming another symbol of the same ORIG section with an
# addend that designates the same address (accepted, with a note).
expect_klp_relocs_replace() {
	local sec=$1 ref=$2 l o n=0 rec sym symtype ap soff vp vo so name a nrec
	shift 2
	vp=$(field "$(records "$PATCHED_DUMP" symbol "name=$ref" | head -n 1)" value)
	vo=$(field "$(records "$ORIG_DUMP" symbol "name=$ref" | head -n 1)" value)
	so=$(field "$(records "$ORIG_DUMP" symbol "name=$ref" | head -n 1)" shndx)
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		o=$(field "$l" off)
		n=$((n + 1))
		rec=$(records "$DUMP" klpreloc "place=$sec+$o" "$@")
		if [ -z "$rec" ]; then
			expect_record klpreloc "place=$sec+$o" "name=$ref" "$@"
			continue
		fi
		# wanted addend relative to REF
		ap=$(field "$l" addend)
		sym=$(field "$l" sym)
		symtype=$(field "$l" symtype)
		if [ "$symtype" = SECTION ]; then
			soff=$ap
		else
			soff=$(($(field "$(records "$PATCHED_DUMP" symbol "name=$sym" | head -n 1)" value) + ap))
		fi
		[ -n "$vp" ] && want=$((soff - vp)) || want=$ap
		name=$(field "$rec" name)
		a=$(field "$rec" addend)
		if [ "$name" = "$ref" ]; then
			[ "$a" = "$want" ] || fail "klp reloc at $sec+$o names $ref with addend $a, expected $want"
		elif [ -n "$vo" ] && [ -n "$so" ] && [ "$so" != UND ]; then
			nrec=$(records "$ORIG_DUMP" symbol "name=$name" "shndx=$so" | head -n 1)
			if [ -n "$nrec" ] && [ $(($(field "$nrec" value) + a)) -eq $((vo + want)) ]; then
				note "note: klp reloc at $sec+$o names $name$a instead of $ref$want (same ORIG section $so, same address)"
			else
				fail "klp reloc at $sec+$o names $name (addend $a), expected $ref (addend $want): $rec"
			fi
		else
			fail "klp reloc at $sec+$o names $name (addend $a), expected $ref (addend $want): $rec"
		fi
	done < <(records "$PATCHED_DUMP" reloc "target=$sec" "ref=$ref")
	[ $n -gt 0 ] || fail "fixture problem: PATCHED.o has no relocation $sec -> $ref"
	return 0
}
