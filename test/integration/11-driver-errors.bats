#!/usr/bin/env bats
# Bad input and interrupted runs of the driver: each class of failure exits
# with its status (man/klp-build.1, EXIT STATUS: 2 usage, 3 refused, 4 build
# failure, 5 internal or system error, 129/130/143 interrupted) and a message
# naming what is wrong; the output dir gets no .ko nor temporary file, the
# source tree stays byte-identical (checksum of every file, last test), the
# next run works.  The JSON report (--report) of each kind of run.

load ../lib/bats-common
load 10-driver.bash

setup_file() {
	klpb_need_kernel
	# the source tree, every file's contents included, before the first
	# test of this file; the last one compares
	tree_checksum >"$BATS_FILE_TMPDIR/tree.sha256"
}

setup() {
	klpb_need_tools
	mkdir -p "$BATS_TEST_TMPDIR/out"
	R=$BATS_TEST_TMPDIR/report.json
	P1=$PATCHDIR/01-cmdline-one-function.patch
}

teardown() {
	driver_teardown
}

# kr ARGS...: run the driver against the cached test kernel (bats run), the
# module into out/, the report into $R
kr() {
	run "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" --report "$R" "$@"
}

# expect_fail STATUS MESSAGE [KEY=VALUE...]: the last run exited STATUS and
# printed MESSAGE, the output dir is empty, the report (removed afterwards)
# follows the schema, has the status's name, an error holding MESSAGE and
# the KEY=VALUEs
expect_fail() {
	local st=$1 msg=$2 name
	shift 2
	echo "$output"
	[ "$status" -eq "$st" ] || { echo "exit status $status, expected $st" >&2; return 1; }
	assert_output_has "$msg"
	assert_no_ko
	case $st in
	2) name=usage-error ;; 3) name=refused ;; 4) name=build-failed ;; 5) name=internal-error ;;
	*) name=interrupted ;;
	esac
	check_report "$R" "status=$name" "exit_status=$st" "output=null" "$@"
	report_error_has "$R" "$msg"
	rm -f "$R"
}

# assert_output_has_in TEXT SUBSTRING: TEXT contains SUBSTRING
assert_output_has_in() {
	[[ $1 == *"$2"* ]] || { printf 'expected to contain: %s\n--- text:\n%s\n' "$2" "$1" >&2; return 1; }
}

# report_error_has FILE TEXT: the report's "error" contains TEXT
report_error_has() {
	python3 - "$1" "$2" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["error"] or ""
if sys.argv[2] not in e:
    sys.exit(f"report error {e!r} lacks {sys.argv[2]!r}")
PY
}

# in_tmpfs OPTIONS DIR CMD...: CMD in a mount namespace of its own where a
# tmpfs mounted with OPTIONS is at DIR (made first); then prints
# "left in DIR: NAMES" (what CMD left there) and exits with CMD's status
in_tmpfs() {
	mkdir -p "$2"
	unshare -m bash -c 'mount -t tmpfs -o "$1" klpb-test "$2" || exit 99; d=$2; shift 2
		rc=0; "$@" || rc=$?; echo "left in $d: $(ls -A "$d" | tr "\n" " ")"; exit $rc' _ "$@"
}
need_unshare() {
	unshare -m true 2>/dev/null || skip "unshare -m does not work here (needs root: a tmpfs stands for a read-only or full output dir)"
}

@test "the exit statuses of the driver are the ones --help, the man page and the README list" {
	local n name help man readme
	help=$("$KLPB_DRIVER" --help)
	man=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH REPORT/p' "$KLPB_REPO/man/klp-build.1")
	readme=$(tr '\n' ' ' <"$KLPB_REPO/README.md")
	for name in USAGE:"usage error" REFUSED:refused BUILD:"build failure" INTERNAL:"internal or system error"; do
		n=$(sed -n "s/^EX_${name%%:*}=\([0-9]*\).*/\1/p" "$KLPB_DRIVER")
		[[ $n =~ ^[0-9]+$ ]] || { echo "no EX_${name%%:*} in the driver" >&2; return 1; }
		assert_output_has_in "$help" "$n ${name#*:}"
		assert_output_has_in "$readme" "$n ${name#*:}"
		grep -qixF -e ".B $n" <<<"$man" || { echo "man page EXIT STATUS lacks $n" >&2; return 1; }
	done
	assert_output_has_in "$help" "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM"
	assert_output_has_in "$readme" "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM"
	grep -qF '.BR 130 ", " 143' <<<"$man"
	for o in --cc-wrapper --report; do
		assert_output_has_in "$help" "$o"
		grep -qF -- "$o" "$KLPB_REPO/README.md"
		grep -qF -- "${o//-/\\-}" "$KLPB_REPO/man/klp-build.1"
	done
}

@test "exit status 2, usage errors: the option, file or dir named; nothing built; the report says usage-error" {
	local fake=$BATS_TEST_TMPDIR/fake ppc=$BATS_TEST_TMPDIR/ppc64le.config
	fake_tree "$fake"
	kr --bogus "$P1"
	expect_fail 2 "unknown option: --bogus"
	kr -j 0 "$P1"
	expect_fail 2 "--jobs: not a positive number: 0"
	kr
	expect_fail 2 "no patch given"
	kr -n Bad-Name "$P1"
	expect_fail 2 "invalid module name 'Bad-Name'"
	kr -a sparc "$P1"
	expect_fail 2 "unsupported architecture: sparc"
	kr -s "$BATS_TEST_TMPDIR/nosuchdir" "$P1"
	expect_fail 2 "source dir not found: $BATS_TEST_TMPDIR/nosuchdir"
	kr -s "$BATS_TEST_TMPDIR" "$P1"
	expect_fail 2 "not a kernel source tree: $BATS_TEST_TMPDIR"
	kr "$BATS_TEST_TMPDIR/nosuch.patch"
	expect_fail 2 "patch not found or unreadable: $BATS_TEST_TMPDIR/nosuch.patch"
	kr --cc-wrapper klpb-no-such-wrapper "$P1"
	expect_fail 2 "--cc-wrapper: klpb-no-such-wrapper not found"
	# a missing config, an empty one, one of another arch
	kr -c "$BATS_TEST_TMPDIR/nosuch.config" "$P1"
	expect_fail 2 "config not found or unreadable: $BATS_TEST_TMPDIR/nosuch.config"
	: >"$BATS_TEST_TMPDIR/empty.config"
	kr -c "$BATS_TEST_TMPDIR/empty.config" "$P1"
	expect_fail 2 "config $BATS_TEST_TMPDIR/empty.config is not a kernel config for x86_64: it has no line CONFIG_X86_64=y"
	grep -v -e '^CONFIG_X86_64=y' -e '^CONFIG_X86=y' "$KLPB_TEST_CFG" >"$ppc"
	printf 'CONFIG_PPC64=y\nCONFIG_CPU_LITTLE_ENDIAN=y\n' >>"$ppc"
	kr -c "$ppc" "$P1"
	expect_fail 2 "is not a kernel config for x86_64: it has no line CONFIG_X86_64=y (it is one for ppc64le)"
	# a build dir in the source tree: refused before it is created there
	kr -b "$KLPB_TEST_SRC/klpb-test-build" "$P1"
	expect_fail 2 "build dir $KLPB_TEST_SRC/klpb-test-build is inside the source tree"
	[[ ! -e $KLPB_TEST_SRC/klpb-test-build ]]
	# an output dir that cannot be made
	touch "$BATS_TEST_TMPDIR/file"
	run "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/file/out" --report "$R" "$P1"
	expect_fail 2 "cannot create the output dir $BATS_TEST_TMPDIR/file/out"
	# a report that cannot be written: no report
	kr --report "$BATS_TEST_TMPDIR/nosuchdir/r.json" "$P1"
	echo "$output"
	[ "$status" -eq 2 ]
	assert_output_has "--report $BATS_TEST_TMPDIR/nosuchdir/r.json: directory $BATS_TEST_TMPDIR/nosuchdir not found"
	[[ ! -e $BATS_TEST_TMPDIR/nosuchdir ]]
}

@test "exit status 2, usage error: a read-only output dir, found before anything is built" {
	need_unshare
	local o=$BATS_TEST_TMPDIR/ro
	run in_tmpfs ro "$o" "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$o" --report "$R" "$P1"
	expect_fail 2 "output dir $o is not writable"
	grep -qxF "left in $o: " <<<"$output"
	refute_grep '^klp-build: (apply|build original)' "$output"
}

@test "exit status 5, system error: a full output dir gives no partial .ko; the next run writes it" {
	need_unshare
	local o=$BATS_TEST_TMPDIR/full
	# room for the probe (an empty file), not for the module
	run in_tmpfs size=4k "$o" "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$o" --report "$R" -n t_full "$P1"
	expect_fail 5 "cannot write $o/t_full.ko: "
	assert_output_has "No space left on device"
	# nothing left in the output dir, not even the temporary file
	grep -qxF "left in $o: " <<<"$output"
	run in_tmpfs size=4m "$o" "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$o" -n t_full "$P1"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qxF "left in $o: t_full.ko " <<<"$output"
}

@test "exit status 3, refused: does not apply, empty, not a diff, a file outside the tree; nothing built" {
	local p=$BATS_TEST_TMPDIR/p.patch before
	before=$(tree_fingerprint)
	kr "$PATCHDIR/10-does-not-apply.patch"
	expect_fail 3 "patch $PATCHDIR/10-does-not-apply.patch does not apply to $KLPB_TEST_SRC" \
		"refusals=[{\"source\": \"klp-build\", \"object\": null, \"reason\": \"patch $PATCHDIR/10-does-not-apply.patch does not apply to $KLPB_TEST_SRC (after the patches before it)\", \"hint\": null}]"
	assert_output_has "FAILED"
	: >"$p"
	kr "$p"
	expect_fail 3 "patch $p is empty"
	echo "just some text" >"$p"
	kr "$p"
	expect_fail 3 "patch $p: no file names found (not a unified diff?)"
	printf -- '--- a/../outside.c\n+++ b/../outside.c\n@@ -1 +1 @@\n-a\n+b\n' >"$p"
	kr "$p"
	expect_fail 3 "patch $p: file name escapes the tree: ../outside.c"
	printf -- '--- a/fs/../../../etc/x.c\n+++ b/fs/../../../etc/x.c\n@@ -1 +1 @@\n-a\n+b\n' >"$p"
	kr "$p"
	expect_fail 3 "patch $p: file name escapes the tree: fs/../../../etc/x.c"
	# a second patch that does not apply on top of the first
	kr "$P1" "$P1"
	expect_fail 3 "patch $P1 does not apply to $KLPB_TEST_SRC (after the patches before it)"
	refute_grep '^klp-build: build original' "$output"
	[ "$(tree_fingerprint)" = "$before" ]
}

@test "exit status 3, refused: no change; unsafe changes of two objects are both reported, with their hints" {
	kr "$PATCHDIR/08-cmdline-comment.patch"
	expect_fail 3 "no changes: no functional changes in the patched objects (fs/proc/cmdline.o)" \
		'objects=[{"object": "fs/proc/cmdline.o", "owner": "vmlinux", "result": "no-change"}]'
	kr "$PATCHDIR/06-cmdline-init.patch" "$PATCHDIR/07-panic-data.patch"
	echo "$output"
	[ "$status" -eq 3 ]
	# both refusals printed; the last line names the first and counts the other
	assert_output_has "proc_cmdline_init in section .init.text"
	assert_output_has "panic_timeout in section .data.panic_timeout"
	assert_output_has "klp-build: error: fs/proc/cmdline.o (vmlinux): proc_cmdline_init in section .init.text"
	assert_output_has "(and 1 more refused object(s): see above)"
	check_report "$R" status=refused exit_status=3 output=null \
		'objects=[{"object": "fs/proc/cmdline.o", "owner": "vmlinux", "result": "refused"}, {"object": "kernel/panic.o", "owner": "vmlinux", "result": "refused"}]'
	python3 - "$R" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["refusals"]
assert [x["object"] for x in r] == ["fs/proc/cmdline.o", "kernel/panic.o"], r
assert all(x["source"] == "create-diff-object" for x in r), r
assert r[0]["reason"].startswith("proc_cmdline_init in section .init.text: changed __init/__exit function"), r[0]
assert r[0]["hint"] == "use a post-patch callback to redo its effect", r[0]
assert r[1]["reason"].startswith("panic_timeout in section .data.panic_timeout: changed initialised data"), r[1]
assert "hint" not in r[1]["reason"] and "shadow variables" in r[1]["hint"], r[1]
PY
	assert_no_ko
}

@test "exit status 3, refused by klp-convert: the last line names its first error and hint, the report lists each" {
	# a klp-convert that refuses as the real one does on arm64 (unit case
	# arm64_module_data_word_refused), naming the module it was given: the
	# work dir's copy, a path the user never sees
	local why='a data word holds the address of helper of module mymod: the module may load after the patch and move when loaded again, and the patch module cannot rewrite its data words then'
	local hint='reach it from code, or through a pointer the code reads'
	local other='.text.f+0x8: reference to count of module mymod in an init section'
	fake_tools '' "in=\${*: -2:1}; printf 'klp-convert: error: %s: %s\\n' \"\$in\" '.data.klpb_fn+0x0: $why (hint: $hint)' \"\$in\" '$other' >&2; exit 1"
	run "$DRIVER_BIN" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-n kc_refused -o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 3 "kc_refused.ko: .data.klpb_fn+0x0: $why (hint: $hint) (and 1 more klp-convert error(s): see above)" \
		"refusals=[{\"source\": \"klp-convert\", \"object\": null, \"reason\": \".data.klpb_fn+0x0: $why\", \"hint\": \"$hint\"}, {\"source\": \"klp-convert\", \"object\": null, \"reason\": \"$other\", \"hint\": null}]"
	assert_output_has "klp-build: error: kc_refused.ko: .data.klpb_fn+0x0: a data word holds"
	refute_grep 'klp-build: error: .*/kmod/' "$output"
}

@test "exit status 4, build failure: a patched source that does not compile, a failing original build" {
	local fake=$BATS_TEST_TMPDIR/fake
	kr "$PATCHDIR/09-cmdline-syntax-error.patch"
	expect_fail 4 "fs/proc/cmdline.o: compiling the patched fs/proc/cmdline.c failed"
	assert_output_has "klpb_syntax_error"
	fake_tree "$fake"
	run "$KLPB_DRIVER" -s "$fake" -c "$KLPB_TEST_CFG" -b "$BATS_TEST_TMPDIR/build" \
		-o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 4 "build of the original kernel failed (source $fake, build dir $BATS_TEST_TMPDIR/build" \
		build_cached=false
	assert_output_has "fake kbuild olddefconfig"
}

@test "exit status 5, internal error: a helper that crashes or is called wrongly" {
	# create-diff-object killed by SIGSEGV
	fake_tools 'ulimit -c 0; kill -SEGV $$'
	run "$DRIVER_BIN" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 5 "fs/proc/cmdline.o (vmlinux): create-diff-object failed (exit 139)"
	# klp-convert with a usage error
	rm -rf "$BATS_TEST_TMPDIR/inst"
	fake_tools '' 'echo "klp-convert: error: simulated usage error" >&2; exit 2'
	run "$DRIVER_BIN" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 5 "klp-convert failed (exit 2)"
	assert_output_has "simulated usage error"
}

@test "a build dir made for another config or arch is refused (2), not rebuilt; the same config rebuilds it" {
	local fake=$BATS_TEST_TMPDIR/fake b=$BATS_TEST_TMPDIR/build other=$BATS_TEST_TMPDIR/other.config
	fake_tree "$fake"
	# the first build fails (fake kbuild), the build dir is now for this config
	run "$KLPB_DRIVER" -s "$fake" -c "$KLPB_TEST_CFG" -b "$b" -o "$BATS_TEST_TMPDIR/out" "$P1"
	[ "$status" -eq 4 ]
	assert_output_has "fake kbuild olddefconfig"
	{ cat "$KLPB_TEST_CFG"; echo CONFIG_KLPB_OTHER=y; } >"$other"
	run "$KLPB_DRIVER" -s "$fake" -c "$other" -b "$b" -o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 2 "build dir $b holds a kernel built from another config than $other"
	refute_grep 'fake kbuild' "$output"
	# the .config it has is the first one
	grep -qx 'CONFIG_X86_64=y' "$b/.config"
	[[ $(grep -c CONFIG_KLPB_OTHER "$b/.config") -eq 0 ]]
	command -v powerpc64le-linux-gnu-gcc >/dev/null || skip "powerpc64le-linux-gnu-gcc is not installed (the arch part)"
	printf 'CONFIG_PPC64=y\nCONFIG_CPU_LITTLE_ENDIAN=y\n' >"$other"
	run "$KLPB_DRIVER" -a ppc64le -s "$fake" -c "$other" -b "$b" -o "$BATS_TEST_TMPDIR/out" --report "$R" "$P1"
	expect_fail 2 "build dir $b holds a kernel for x86_64, not ppc64le"
	# the same config: built again (in the same dir)
	run "$KLPB_DRIVER" -s "$fake" -c "$KLPB_TEST_CFG" -b "$b" -o "$BATS_TEST_TMPDIR/out" "$P1"
	[ "$status" -eq 4 ]
	assert_output_has "fake kbuild olddefconfig"
}

# --- interrupted runs ------------------------------------------------------

# interrupt SIG STATUS STAGE ARGS...: start the driver (start_run ARGS),
# send SIG once a stand-in hangs, check the exit STATUS, that nothing of the
# run is left (processes, work dir, output dir), the report (interrupted
# during STAGE) and that the source tree and the build dir are unchanged
interrupt() {
	local sig=$1 st=$2 stage=$3 rc=0 before bbefore
	shift 3
	before=$(tree_fingerprint)
	bbefore=$(build_fingerprint)
	rm -f "$BATS_TEST_TMPDIR/hanging"
	start_run "$@"
	wait_file "$BATS_TEST_TMPDIR/hanging"
	kill "-$sig" "$DRIVER"
	wait "$DRIVER" || rc=$?
	cat "$DRIVER_LOG"
	[ "$rc" -eq "$st" ] || { echo "SIG$sig: exit status $rc, expected $st" >&2; return 1; }
	grep -qF "klp-build: interrupted by SIG$sig during stage \"$stage\"" "$DRIVER_LOG"
	assert_run_gone
	assert_no_work_dir
	assert_no_ko
	check_report "$R" status=interrupted "exit_status=$st" "error=interrupted by SIG$sig during stage \"$stage\""
	rm -f "$R"
	[ "$(tree_fingerprint)" = "$before" ]
	[ "$(build_fingerprint)" = "$bbefore" ]
}

# next_run_works: a run without stand-ins writes the module
next_run_works() {
	run "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" --report "$R" -n t_next "$P1"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $KLPB_TEST_BUILD"
	[ -f "$BATS_TEST_TMPDIR/out/t_next.ko" ]
	check_report "$R" status=ok
	rm -f "$BATS_TEST_TMPDIR/out/t_next.ko" "$R"
}

@test "SIGINT and SIGTERM during apply (patch): it stops; the next run works" {
	# a patch(1) stand-in first on PATH that hangs
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/bash\nt=%s\n%s\n' "$BATS_TEST_TMPDIR" "$HANG" >"$BATS_TEST_TMPDIR/bin/patch"
	chmod +x "$BATS_TEST_TMPDIR/bin/patch"
	interrupt INT 130 apply "$P1"
	interrupt TERM 143 apply "$P1"
	rm "$BATS_TEST_TMPDIR/bin/patch"
	next_run_works
}

@test "SIGINT and SIGTERM during build original: the kernel build stops at once; the next run builds" {
	local fake=$BATS_TEST_TMPDIR/fake b=$BATS_TEST_TMPDIR/build
	fake_tree "$fake"
	printf '%%:\n\t@touch %s/hanging; exec sleep 60\n' "$BATS_TEST_TMPDIR" >"$fake/Makefile"
	interrupt INT 130 "build original" -s "$fake" -b "$b" "$P1"
	[[ ! -e $b/.klp-build-key ]]
	interrupt TERM 143 "build original" -s "$fake" -b "$b" "$P1"
	[[ ! -e $b/.klp-build-key ]]
	# (later -s/-b win over start_run's); the next build succeeds, the one after is cached
	printf 'all:\n\t@echo "fake kbuild all"\n%%:\n\t@echo "fake kbuild $@"\n' >"$fake/Makefile"
	run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "built: $b"
	[[ -s $b/.klp-build-key ]]
	run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $b"
}

@test "SIGINT and SIGTERM during build patched: the compiles stop; the next run works" {
	slow_gcc "$PAT_CMDLINE" "$HANG"
	interrupt INT 130 "build patched" "$P1"
	interrupt TERM 143 "build patched" "$P1"
	rm "$BATS_TEST_TMPDIR/bin/gcc"
	next_run_works
}

@test "SIGINT while the .c dependency index is written: no part of it is left; the next run writes it" {
	local d=$KLPB_TEST_BUILD/.klp-build left
	# (the index is a cache: the next run writes it again)
	rm -f "$d"/deps-*
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	# a grep stand-in that is slow only for the index's search; the index
	# is written in the driver's foreground, so the trap runs once it ends
	printf '#!/bin/bash
if [[ $* == *%s* ]]; then touch %s/hanging; sleep 3; fi
exec %s "$@"
' \
		"'[^ ]+\\.c( |\$)'" "$BATS_TEST_TMPDIR" "$(command -v grep)" >"$BATS_TEST_TMPDIR/bin/grep"
	chmod +x "$BATS_TEST_TMPDIR/bin/grep"
	interrupt INT 130 "build patched" "$P1"
	left=$(find "$d" -maxdepth 1 -name 'deps-*')
	[[ -z $left ]] || { echo "left in $d: $left" >&2; return 1; }
	rm "$BATS_TEST_TMPDIR/bin/grep"
	next_run_works
	left=$(find "$d" -maxdepth 1 -name 'deps-*')
	[[ -n $left && $left != *.tmp.* ]] || { echo "index after the next run: '$left'" >&2; return 1; }
}

@test "SIGINT and SIGTERM during diff (create-diff-object): it stops; the next run works" {
	fake_tools "$HANG"
	interrupt INT 130 diff "$P1"
	interrupt TERM 143 diff "$P1"
	next_run_works
}

@test "SIGINT and SIGTERM during link (make M=): it stops; the next run works" {
	slow_gcc "$PAT_KMOD_LINK" "$HANG"
	interrupt INT 130 link "$P1"
	interrupt TERM 143 link "$P1"
	rm "$BATS_TEST_TMPDIR/bin/gcc"
	next_run_works
}

@test "SIGINT and SIGTERM during convert (klp-convert): it stops, no .ko; the next run works" {
	fake_tools '' "$HANG"
	interrupt INT 130 convert "$P1"
	interrupt TERM 143 convert "$P1"
	next_run_works
}

# --- the report --------------------------------------------------------------

@test "--report of a good run: objects, changed and new functions, sympos as written, stages, output sha256" {
	local ko=$BATS_TEST_TMPDIR/out/t_report.ko addr pos
	kr -n t_report "$PATCHDIR/12-modules-sympos.patch" "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	# m_show exists twice in vmlinux (fs/namespace.c too): its position in
	# address order (System.map) among the m_shows, the one of procfs.c
	addr=$(readelf -sW "$KLPB_TEST_BUILD/vmlinux" | awk '$4 == "FILE" { f = $8 } $8 == "m_show" && f == "procfs.c" { print $2 }')
	pos=$(awk '$3 == "m_show" { n++; if ($1 == a) print n }' a="$addr" "$KLPB_TEST_BUILD/System.map")
	[[ $pos =~ ^[1-9]$ ]]
	check_report "$R" status=ok exit_status=0 error=null arch=x86_64 name=t_report build_cached=true \
		"build_dir=$KLPB_TEST_BUILD" "source=$KLPB_TEST_SRC" "config=$KLPB_TEST_CFG" cc_wrapper=null \
		"patches=[\"$PATCHDIR/12-modules-sympos.patch\", \"$PATCHDIR/03-version-new-function.patch\"]" \
		'objects=[{"object": "fs/proc/version.o", "owner": "vmlinux", "result": "changed"}, {"object": "kernel/module/procfs.o", "owner": "vmlinux", "result": "changed"}]' \
		'refusals=[]' "build_key=$(cat "$KLPB_TEST_BUILD/.klp-build-key")"
	python3 - "$R" "$ko" "$pos" "$output" <<'PY'
import json, subprocess, sys
r = json.load(open(sys.argv[1]))
ko, pos, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
fn = {(f["kind"], f["object"], f["name"]): f for f in r["functions"]}
# the functions the driver printed, the same
printed = {tuple(l.split()[1:4]) for l in out.splitlines() if l.startswith("klp-build:   ")}
assert set(fn) == printed, (set(fn), printed)
assert fn[("changed", "kernel/module/procfs.o", "m_show")]["sympos"] == pos, fn
assert fn[("changed", "fs/proc/version.o", "version_proc_show")]["sympos"] == 0, fn
assert fn[("new", "fs/proc/version.o", "klpb_version_suffix")]["sympos"] is None, fn
assert all(f["owner"] == "vmlinux" for f in r["functions"]), fn
sp = r["sympos"]
assert {"kind": "function", "objname": "vmlinux", "name": "m_show", "sympos": pos,
        "objfile": "kernel/module/procfs.o"} in sp, sp
# every .klp.sym symbol of the module, and only those
syms = subprocess.run(["readelf", "-sW", ko], capture_output=True, text=True, check=True).stdout
klp = {l.split()[-1] for l in syms.splitlines() if l.split() and l.split()[-1].startswith(".klp.sym.")}
listed = {f".klp.sym.{s['objname']}.{s['name']},{s['sympos']}" for s in sp if s["kind"] == "symbol"}
assert klp and klp == listed, (klp, listed)
assert [s["name"] for s in r["stages"]] == ["apply", "build original", "build patched", "diff", "link", "convert"], r["stages"]
assert r["output"]["path"] == ko, r["output"]
PY
	# the checker catches a wrong field: each change of this good report
	# fails it with the problem named (a checker that passes anything
	# would pass the tests above)
	python3 - "$R" "$KLPB_REPO/test/lib/check-report.py" <<'PY'
import copy, json, subprocess, sys
path, checker = sys.argv[1:3]
good = json.load(open(path))

def check(r):
    with open(path + ".m", "w") as f:
        json.dump(r, f)
    p = subprocess.run([sys.executable, checker, path + ".m"], capture_output=True, text=True)
    return p.returncode, p.stderr

rc, err = check(good)
assert rc == 0, err
def unknown_key(r): r["extra"] = 1
def no_stages(r): del r["stages"]
def status(r): r["status"] = "okay"
def exit_status(r): r["exit_status"] = 3
def error(r): r["error"] = "x"
def sha(r): r["output"]["sha256"] = "0" * 64
def path_(r): r["output"]["path"] = "relative.ko"
def sympos_type(r): r["functions"][0]["sympos"] = "2"
def result(r): r["objects"][0]["result"] = "changed!"
def stage_order(r): r["stages"].reverse()
def cached(r): r["build_cached"] = "true"
def refusal(r): r["refusals"] = [{"source": "klp-build", "object": None, "reason": "x", "hint": None}]
def fn_object(r): r["functions"][0]["object"] = "no/such.o"
def key(r): r["build_key"] = "abc"
def neg_sympos(r): r["sympos"][0]["sympos"] = -1
def version(r): r["report_version"] = 2
for m, what in [(unknown_key, "unknown key extra"), (no_stages, "missing key stages"),
                (status, "status: unexpected value 'okay'"), (exit_status, "exit_status: 3 for status ok"),
                (error, "error: 'x' with status ok"), (sha, "output.sha256"),
                (path_, "output: path: unexpected value"), (sympos_type, "functions[0]: sympos"),
                (result, "objects[0]: result"), (stage_order, "not in the order of the run"),
                (cached, "build_cached: unexpected value"), (refusal, "refusals: not empty in an ok report"),
                (fn_object, "object no/such.o is not in objects"), (key, "build_key: unexpected value"),
                (neg_sympos, "sympos[0]: sympos"), (version, "report_version: unexpected value")]:
    r = copy.deepcopy(good)
    m(r)
    rc, err = check(r)
    assert rc == 1 and what in err, (m.__name__, rc, err)
    print(f"{m.__name__}: rejected: {err.strip()}")
PY
}

@test "the source tree is byte-identical after every run of this file (sha256 of every file)" {
	[ "$(tree_checksum)" = "$(cat "$BATS_FILE_TMPDIR/tree.sha256")" ]
}
