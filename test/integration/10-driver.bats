#!/usr/bin/env bats
# The driver without booting: command line, cache, exact recompiles,
# refusals, and the source tree left untouched.

load ../lib/bats-common
load 10-driver.bash

setup_file() {
	klpb_need_kernel
}

teardown() {
	driver_teardown
}

@test "TERM to the driver during the patched compile: no process of the run survives, the work dir is gone" {
	local p=$BATS_TEST_TMPDIR/comment.patch rc=0
	comment_patch "$p" fs/proc/cmdline.c
	slow_gcc "$PAT_CMDLINE" "$HANG"
	start_run --stop-after-build-patched "$p"
	wait_file "$BATS_TEST_TMPDIR/hanging"
	kill -TERM "$DRIVER"
	wait "$DRIVER" || rc=$?
	cat "$DRIVER_LOG"
	[ "$rc" -eq 143 ]
	assert_run_gone
	assert_no_work_dir
}

@test "a failed compile ends the run: the other compile still running is stopped, the work dir is gone" {
	local p=$BATS_TEST_TMPDIR/comment.patch rc=0
	comment_patch "$p" fs/proc/cmdline.c fs/proc/meminfo.c
	# cmdline.o (waited for first) fails once meminfo.o's compile runs
	slow_gcc "$PAT_CMDLINE" 'for i in $(seq 600); do [ -e "$t/hanging" ] && break; sleep 0.1; done; echo "klpb: simulated compile failure" >&2; exit 1' \
		"$PAT_MEMINFO" "$HANG"
	start_run --stop-after-build-patched "$p"
	wait "$DRIVER" || rc=$?
	cat "$DRIVER_LOG"
	# a build failure
	[ "$rc" -eq 4 ]
	[[ -e $BATS_TEST_TMPDIR/hanging ]]
	grep -qF "fs/proc/cmdline.o: compiling the patched fs/proc/cmdline.c failed" "$DRIVER_LOG"
	grep -qF "klpb: simulated compile failure" "$DRIVER_LOG"
	assert_run_gone
	assert_no_work_dir
}

@test "cli: --help, --version, bad usage" {
	run "$KLPB_DRIVER" --help
	[ "$status" -eq 0 ]
	assert_output_has "usage: klp-build"
	assert_output_has "--no-replace"
	run "$KLPB_DRIVER" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^klp-build\ [0-9] ]]
	run "$KLPB_DRIVER" --bogus x.patch
	[ "$status" -ne 0 ]
	assert_output_has "unknown option: --bogus"
	run "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG"
	[ "$status" -ne 0 ]
	assert_output_has "no patch given"
	klpb t_missing "$BATS_TEST_TMPDIR/does-not-exist.patch"
	[ "$status" -ne 0 ]
	assert_output_has "does-not-exist.patch"
	klpb 'Bad-Name' "$PATCHDIR/01-cmdline-one-function.patch"
	[ "$status" -ne 0 ]
	assert_output_has "invalid module name"
	run "$KLPB_DRIVER" -a sparc -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" "$PATCHDIR/01-cmdline-one-function.patch"
	[ "$status" -ne 0 ]
	assert_output_has "unsupported architecture: sparc"
	# every recognised arch has a back-end now (32-bit arm was the last
	# without one); a config of another arch is refused before anything is
	# built, naming the arch it is for
	run "$KLPB_DRIVER" -a arm -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" "$PATCHDIR/01-cmdline-one-function.patch"
	[ "$status" -ne 0 ]
	assert_output_has "is not a kernel config for arm: it has no line CONFIG_ARM=y (it is one for x86_64)"
	[[ -z $("$KLPB_REPO/create-diff-object/create-diff-object" --arch-info list | awk '$2 != "yes"') ]]
	assert_no_ko
}

@test "refused: a source tree configured in place (would be modified by kbuild), before anything is created" {
	local fake=$BATS_TEST_TMPDIR/fake
	fake_tree "$fake"
	cp "$KLPB_TEST_CFG" "$fake/.config"
	# without -c: SRC/.config is not a default config, the tree is refused
	run "$KLPB_DRIVER" -s "$fake" -b "$BATS_TEST_TMPDIR/build" -o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "configured/built in place (.config exists)"
	[[ ! -e $BATS_TEST_TMPDIR/build ]]
	# with -c: refused the same way
	run "$KLPB_DRIVER" -s "$fake" -c "$KLPB_TEST_CFG" -b "$BATS_TEST_TMPDIR/build" -o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	[ "$status" -ne 0 ]
	assert_output_has "configured/built in place (.config exists)"
	[[ ! -e $BATS_TEST_TMPDIR/build ]]
	assert_no_ko
}

@test "config: defaults to BUILD/.config (as --help says); without one, -c is asked for" {
	local fake=$BATS_TEST_TMPDIR/fake b=$BATS_TEST_TMPDIR/build
	fake_tree "$fake"
	run "$KLPB_DRIVER" --help
	assert_output_has "kernel config (default: BUILD/.config"
	run "$KLPB_DRIVER" -s "$fake" -b "$b" -o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "no kernel config: give -c FILE"
	mkdir -p "$b"
	printf 'CONFIG_KLPB_FROM_BUILD_DIR=y\nCONFIG_X86_64=y\n' >"$b/.config"
	run "$KLPB_DRIVER" -s "$fake" -b "$b" -o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "fake kbuild olddefconfig: CONFIG_KLPB_FROM_BUILD_DIR=y"
	assert_output_has "build of the original kernel failed"
	assert_no_ko
}

@test "build original: a second run reuses the cached build" {
	local before
	before=$(build_fingerprint)
	run "$KLPB_DRIVER" --build-original-only -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD"
	[ "$status" -eq 0 ]
	assert_output_has "build original"
	assert_output_has "cached"
	[ "$(build_fingerprint)" = "$before" ]
}

@test "build patched: unchanged objects recompiled through the overlay are byte-identical" {
	local p=$BATS_TEST_TMPDIR/comment.patch work o
	comment_patch "$p" fs/proc/cmdline.c fs/proc/meminfo.c kernel/configs.c kernel/panic.c fs/proc/internal.h
	klpb t_cmp --keep --stop-after-build-patched "$p"
	echo "$output"
	[ "$status" -eq 0 ]
	work=$(sed -n 's/^klp-build: work dir kept: //p' <<<"$output")
	[ -d "$work" ]
	# the header pulls in the other fs/proc objects that include it
	for o in fs/proc/cmdline.o fs/proc/meminfo.o kernel/configs.o kernel/panic.o fs/proc/version.o fs/proc/base.o; do
		[ -f "$work/patched/$o" ] || { echo "$o not recompiled"; false; }
		cmp "$KLPB_TEST_BUILD/$o" "$work/patched/$o"
	done
	rm -rf "$work"
}

@test "build patched: a changed .c file is found through the build dir's index: its object, and an object that #includes it (kernel/sched/rt.c -> build_policy.o), as a scan of every .cmd file finds them" {
	local p=$BATS_TEST_TMPDIR/comment.patch work got want f
	comment_patch "$p" fs/proc/cmdline.c kernel/sched/rt.c
	klpb t_idx --keep --stop-after-build-patched "$p"
	echo "$output"
	[ "$status" -eq 0 ]
	work=$(sed -n 's/^klp-build: work dir kept: //p' <<<"$output")
	[ -d "$work" ]
	got=$(cd "$work/patched" && find . -name '*.o' | sed 's|^\./||' | LC_ALL=C sort)
	want=$(for f in fs/proc/cmdline.c kernel/sched/rt.c; do
		find "$KLPB_TEST_BUILD" -name '.*.o.cmd' -not -path '*/.klp-build/*' -print0 |
			xargs -0 grep -lE "^(source_[^ ]* := | +)$KLPB_TEST_SRC/${f//./\\.}( |\$)" || true
	done | sed -E "s|^$KLPB_TEST_BUILD/||; s|(^\|/)\.([^/]*)\.cmd\$|\1\2|" | LC_ALL=C sort -u)
	echo "recompiled: $got"
	echo "scan: $want"
	[[ $want == *kernel/sched/build_policy.o* && $want == *fs/proc/cmdline.o* ]]
	[ "$got" = "$want" ]
	# one index, of this build
	[ "$(find "$KLPB_TEST_BUILD/.klp-build" -maxdepth 1 -name 'deps-*' | wc -l)" -eq 1 ]
	grep -q "^$KLPB_TEST_SRC/kernel/sched/rt.c $KLPB_TEST_BUILD/kernel/sched/.build_policy.o.cmd\$" "$KLPB_TEST_BUILD"/.klp-build/deps-*
	rm -rf "$work"
}

@test "refused: a patch that does not apply (patch named, patch output shown)" {
	local before
	before=$(tree_fingerprint)
	klpb t_noapply "$PATCHDIR/10-does-not-apply.patch"
	[ "$status" -ne 0 ]
	assert_output_has "10-does-not-apply.patch"
	assert_output_has "FAILED"
	assert_no_ko
	[ "$(tree_fingerprint)" = "$before" ]
}

@test "refused: patched source that does not compile names the object; tree unchanged" {
	local before bbefore
	before=$(tree_fingerprint)
	bbefore=$(build_fingerprint)
	klpb t_syntax "$PATCHDIR/09-cmdline-syntax-error.patch"
	[ "$status" -ne 0 ]
	assert_output_has "fs/proc/cmdline.o"
	assert_output_has "klpb_syntax_error"
	assert_no_ko
	[ "$(tree_fingerprint)" = "$before" ]
	[ "$(build_fingerprint)" = "$bbefore" ]
}

@test "refused: a patch that changes nothing -> no changes" {
	klpb_need_tools
	klpb t_nochange "$PATCHDIR/08-cmdline-comment.patch"
	[ "$status" -ne 0 ]
	assert_output_has "no changes"
	assert_no_ko
}

@test "refused: a changed __init function (named)" {
	klpb_need_tools
	klpb t_init "$PATCHDIR/06-cmdline-init.patch"
	[ "$status" -ne 0 ]
	assert_output_has "proc_cmdline_init"
	assert_no_ko
}

@test "refused: changed initialised global data (named)" {
	klpb_need_tools
	klpb t_data "$PATCHDIR/07-panic-data.patch"
	[ "$status" -ne 0 ]
	assert_output_has "panic_timeout"
	assert_no_ko
}

@test "refused: a changed struct layout (struct seq_file, file:line named, shadow-variable hint)" {
	klpb_need_tools
	klpb t_struct "$PATCHDIR/16-seq-file-struct.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "include/linux/seq_file.h:"
	assert_output_has "struct seq_file"
	assert_output_has "shadow variables"
	assert_no_ko
}

@test "refused: a malformed patch whose later hunks patch(1) would drop as garbage" {
	klpb_need_tools
	# wrong line counts in the first @@ line: patch(1) applies hunk 1 only, exit 0
	sed 's/^@@ -1,4 +1,7 @@$/@@ -1,3 +1,6 @@/' "$PATCHDIR/18-base-line-shift.patch" >"$BATS_TEST_TMPDIR/bad.patch"
	klpb t_bad "$BATS_TEST_TMPDIR/bad.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "only 1 of 2 hunks were applied"
	assert_no_ko
}

@test "success leaves the source tree and the build dir unchanged; default name" {
	klpb_need_tools
	local before bbefore
	before=$(tree_fingerprint)
	bbefore=$(build_fingerprint)
	mkdir -p "$BATS_TEST_TMPDIR/out"
	run "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" \
		-o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$BATS_TEST_TMPDIR/out/01_cmdline_one_function.ko" ]
	assert_output_has "cmdline_proc_show"
	for s in "build original" "build patched" "diff" "link" "convert"; do assert_output_has "klp-build: $s"; done
	[ "$(tree_fingerprint)" = "$before" ]
	[ "$(build_fingerprint)" = "$bbefore" ]
	modinfo "$BATS_TEST_TMPDIR/out/01_cmdline_one_function.ko" | grep -q 'livepatch: *Y'
}

@test "refused: objects outside vmlinux and modules, assembly, build files (named)" {
	local p=$BATS_TEST_TMPDIR/p.patch
	comment_patch "$p" arch/x86/boot/compressed/misc.c
	klpb t_boot "$p"
	[ "$status" -ne 0 ]
	assert_output_has "arch/x86/boot/compressed/misc.o: not built into vmlinux or a module"
	comment_patch "$p" arch/x86/kernel/head_64.S
	klpb t_asm "$p"
	[ "$status" -ne 0 ]
	assert_output_has "arch/x86/kernel/head_64.S: changes to assembly files are not supported"
	cp "$KLPB_TEST_SRC/fs/proc/Makefile" "$BATS_TEST_TMPDIR/new"
	echo "# comment" >>"$BATS_TEST_TMPDIR/new"
	unified_diff fs/proc/Makefile "$KLPB_TEST_SRC/fs/proc/Makefile" "$BATS_TEST_TMPDIR/new" >"$p"
	klpb t_mk "$p"
	[ "$status" -ne 0 ]
	assert_output_has "fs/proc/Makefile: changes to build files are not supported"
	assert_no_ko
}

# --- the build key -----------------------------------------------------------

@test "build key: tree-hash hashes what find | sort | sha256sum does (test source tree, odd names); a name with a newline falls back" {
	local th=$KLPB_REPO/tree-hash/tree-hash d=$BATS_TEST_TMPDIR/odd
	[[ -x $th ]] || skip "tree-hash is not built yet (run make)"
	pipeline() { find "$1" -type f -printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1; }
	[ "$("$th" "$KLPB_TEST_SRC")" = "$(pipeline "$KLPB_TEST_SRC")" ]
	mkdir -p "$d/a b/c" "$d/empty dir" "$d/x"
	printf 'x' >"$d/a b/c/f 1"
	: >"$d/a b/empty"
	printf 'tab' >"$d/x/t	ab"
	printf 'z' >"$d/x/é"
	printf '1' >"$d/a"
	printf '22' >"$d/a-b"
	printf '333' >"$d/a.b"
	ln -s a "$d/link"
	ln -s "a b" "$d/dirlink"
	ln -s /nonexistent "$d/dangling"
	touch -d '2001-02-03 04:05:06.123456789' "$d/a"
	[ "$("$th" "$d")" = "$(pipeline "$d")" ]
	"$th" --list "$d" | cmp - <(find "$d" -type f -printf '%P %s %T@\n' | LC_ALL=C sort)
	# a newline in a name: sort would split the line; not hashed (status 3)
	printf 'n' >"$d/x/new"$'\n'"line"
	run "$th" "$d"
	[ "$status" -eq 3 ]
	assert_output_has "a name with a newline"
}

@test "build key: any changed, added, removed, renamed or touched source file, or another compiler, assembler or linker, invalidates the cached build; nothing else does (a key from before binutils joined is migrated once)" {
	local fake=$BATS_TEST_TMPDIR/fake b=$BATS_TEST_TMPDIR/build k f=fs/proc/cmdline.c
	fake_built_tree "$fake"
	[ "$(build_only "$fake" "$b")" = built ]
	[ "$(build_only "$fake" "$b")" = cached ]
	k=$(cat "$b/.klp-build-key")
	# the key of a tree is the same through tree-hash and through the
	# pipeline the driver falls back to (existing build dirs stay valid)
	(
		SRC=$fake ARCH=x86_64 CC=gcc
		CONFIG_SHA=$(sha256sum <"$KLPB_TEST_CFG" | cut -d' ' -f1)
		eval "$(grep -E '^KLPB_(RECIPE|KCFLAGS|KCPPFLAGS)=' "$KLPB_DRIVER")"
		eval "$(sed -n '/^build_key() {/,/^}/p' "$KLPB_DRIVER")"
		source_hash() { find "$SRC" -type f -printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1; }
		[ "$(build_key)" = "$k" ]
	)
	# a one-byte edit keeping the size, with the mtime set back: not seen
	# (Kbuild's make would not recompile either); the same edit: seen
	touch -r "$fake/$f" "$BATS_TEST_TMPDIR/stamp"
	sed -i '1s/^./X/' "$fake/$f"
	touch -r "$BATS_TEST_TMPDIR/stamp" "$fake/$f"
	[ "$(build_only "$fake" "$b")" = cached ]
	sed -i '1s/^./Y/' "$fake/$f"
	[ "$(build_only "$fake" "$b")" = built ]
	[ "$(build_only "$fake" "$b")" = cached ]
	# touched only (same content, new mtime)
	touch -d '+1 min' "$fake/$f"
	[ "$(build_only "$fake" "$b")" = built ]
	# the size changes, the mtime is set back
	echo "/* x */" >>"$fake/$f"
	touch -r "$BATS_TEST_TMPDIR/stamp" "$fake/$f"
	[ "$(build_only "$fake" "$b")" = built ]
	# added (deep in a new dir), renamed, removed
	mkdir -p "$fake/drivers/new/dir"
	: >"$fake/drivers/new/dir/new.h"
	[ "$(build_only "$fake" "$b")" = built ]
	mv "$fake/drivers/new/dir/new.h" "$fake/drivers/new/dir/new2.h"
	[ "$(build_only "$fake" "$b")" = built ]
	rm "$fake/drivers/new/dir/new2.h"
	[ "$(build_only "$fake" "$b")" = built ]
	# an empty dir or a symlink is not a source file
	mkdir -p "$fake/include/empty"
	ln -s ../Makefile "$fake/kernel/link"
	[ "$(build_only "$fake" "$b")" = cached ]
	# another compiler (its version line)
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/bash\n[ "$1" != --version ] || { echo "gcc (klp-build test) 99.1"; exit 0; }\nexec %s "$@"\n' \
		"$(command -v gcc)" >"$BATS_TEST_TMPDIR/bin/gcc"
	chmod +x "$BATS_TEST_TMPDIR/bin/gcc"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "built: $b"
	[ "$(build_only "$fake" "$b")" = built ]
	# another linker or assembler (their version lines)
	printf '#!/bin/bash\n[ "$1" != --version ] || { echo "GNU ld (klp-build test) 9.99"; exit 0; }\nexec %s "$@"\n' \
		"$(command -v ld)" >"$BATS_TEST_TMPDIR/bin/ld"
	chmod +x "$BATS_TEST_TMPDIR/bin/ld"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "built: $b"
	rm "$BATS_TEST_TMPDIR/bin/ld"
	[ "$(build_only "$fake" "$b")" = built ]
	# a key written before the binutils line joined (build_key legacy) is
	# trusted once and rewritten; a legacy key of another tree is not
	k=$(cat "$b/.klp-build-key")
	legacy_key() (
		SRC=$fake ARCH=x86_64 CC=gcc
		CONFIG_SHA=$(sha256sum <"$KLPB_TEST_CFG" | cut -d' ' -f1)
		eval "$(grep -E '^KLPB_(RECIPE|KCFLAGS|KCPPFLAGS)=' "$KLPB_DRIVER")"
		eval "$(sed -n '/^source_hash() {/,/^}/p;/^build_key() {/,/^}/p' "$KLPB_DRIVER")"
		find_tool() { return 1; }
		build_key legacy
	)
	legacy_key >"$b/.klp-build-key"
	[ "$(cat "$b/.klp-build-key")" != "$k" ]
	run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $b"
	assert_output_has "its build key now records the binutils versions"
	[ "$(cat "$b/.klp-build-key")" = "$k" ]
	legacy_key >"$b/.klp-build-key"
	touch -d '+2 min' "$fake/$f"
	[ "$(build_only "$fake" "$b")" = built ]
	[ "$(cat "$b/.klp-build-key")" != "$k" ]
	# without tree-hash (an installed driver without it): the same key
	k=$(cat "$b/.klp-build-key")
	fake_tools
	rm -f "$BATS_TEST_TMPDIR/inst/libexec/klp-build/tree-hash"
	run "$DRIVER_BIN" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $b"
}
