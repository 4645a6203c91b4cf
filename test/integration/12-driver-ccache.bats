#!/usr/bin/env bats
# --cc-wrapper: the kernel's compiler run through ccache or distcc gives the
# same objects and the same module as the compiler alone, and does not
# change the build key.
#
# What runs through the wrapper here: the recompiles of the changed objects
# and the module link, against the cached test kernel.  The original build
# through the wrapper is checked on a stand-in tree (the make command line
# gets CC="WRAPPER gcc", the key is the same with and without it): a real
# ccache-wrapped original build of even the tiny config costs minutes on the
# CI's 2 cores.

load ../lib/bats-common
load 10-driver.bash

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
	# a vmlinux object with a changed and a new static helper, a module
	# object, a function whose name vmlinux has twice (sympos)
	PATCHES=("$PATCHDIR/02-meminfo-static-helper.patch" "$PATCHDIR/05-configs-module.patch"
		"$PATCHDIR/12-modules-sympos.patch")
}

teardown() {
	driver_teardown
}

RUNNER=()

# in_ccache_build CMD...: CMD in a mount namespace of its own where the test
# build dir is an overlay (the shared cache is not written; the upper dir is
# in this test's dir) whose saved command lines of the three objects the
# PATCHES change say "ccache gcc ...", as in a build made with
# make CC="ccache gcc"
in_ccache_build() {
	local u=$BATS_TEST_TMPDIR/upper w=$BATS_TEST_TMPDIR/ovwork
	mkdir -p "$u" "$w"
	unshare -m bash -c 'set -e
		mount -t overlay klpb-test -o "lowerdir=$1,upperdir=$2,workdir=$3" "$1"
		for o in fs/proc/meminfo.o kernel/configs.o kernel/module/procfs.o; do
			c=$1/$(dirname $o)/.$(basename $o).cmd
			sed -i "1s/^\\(cmd_[^ ]* := \\)gcc /\\1ccache gcc /" "$c"
			grep -q "^cmd_[^ ]* := ccache gcc " "$c"
		done
		shift 3
		exec "$@"' _ "$KLPB_TEST_BUILD" "$u" "$w" "$@"
}

# wrapped_run TAG [DRIVER ARGS...]: the driver on PATCHES, module t_cc into
# $BATS_TEST_TMPDIR/TAG/out, the report in TAG/report.json, the work dir
# kept (its path in WORKDIR); run through the command RUNNER (array) if set
wrapped_run() {
	local tag=$1
	shift
	mkdir -p "$BATS_TEST_TMPDIR/$tag/out"
	run "${RUNNER[@]}" "$KLPB_DRIVER" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" -n t_cc --keep \
		-o "$BATS_TEST_TMPDIR/$tag/out" --report "$BATS_TEST_TMPDIR/$tag/report.json" "$@" "${PATCHES[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	WORKDIR=$(sed -n 's/^klp-build: work dir kept: //p' <<<"$output")
	[ -d "$WORKDIR/patched" ]
	check_report "$BATS_TEST_TMPDIR/$tag/report.json" status=ok build_cached=true
}

# objects_sums WORK: sha256 of every recompiled object (WORK/patched) and
# every diff object (WORK/kmod/klpb_d_*.o), by path relative to WORK
objects_sums() {
	(cd "$1" && find patched kmod -name '*.o' \( -path 'patched/*' -o -name 'klpb_d_*.o' \) -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum)
}

# same_results A B: the runs A and B (wrapped_run TAGs, work dirs WORK_A,
# WORK_B) give the same objects, the same module and the same build key
same_results() {
	local a b
	a=$(objects_sums "$WORK_A")
	b=$(objects_sums "$WORK_B")
	echo "$a"
	# the three objects recompiled, and a diff object of each
	grep -q ' patched/fs/proc/meminfo.o$' <<<"$a"
	grep -q ' patched/kernel/configs.o$' <<<"$a"
	grep -q ' patched/kernel/module/procfs.o$' <<<"$a"
	[ "$(grep -c ' kmod/klpb_d_' <<<"$a")" -eq 3 ]
	[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") >&2; return 1; }
	cmp "$BATS_TEST_TMPDIR/$1/out/t_cc.ko" "$BATS_TEST_TMPDIR/$2/out/t_cc.ko"
	python3 - "$BATS_TEST_TMPDIR/$1/report.json" "$BATS_TEST_TMPDIR/$2/report.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("build_key", "build_dir", "objects", "functions", "sympos"):
    assert a[k] == b[k], (k, a[k], b[k])
assert a["output"]["sha256"] == b["output"]["sha256"], (a["output"], b["output"])
PY
}

@test "--cc-wrapper ccache: the compiles go through ccache; objects, diff objects, module and build key as without it" {
	command -v ccache >/dev/null || skip "ccache is not installed"
	export CCACHE_DIR=$BATS_TEST_TMPDIR/ccache
	wrapped_run plain
	WORK_A=$WORKDIR
	wrapped_run ccache --cc-wrapper ccache
	WORK_B=$WORKDIR
	check_report "$BATS_TEST_TMPDIR/ccache/report.json" cc_wrapper=ccache
	# the recompiles ran "ccache gcc ...", the link's compiles too
	grep -q '^ccache gcc ' "$WORK_B/patched/fs/proc/meminfo.o.cmdline"
	grep -q '^gcc ' "$WORK_A/patched/fs/proc/meminfo.o.cmdline"
	# and ccache compiled them: 3 recompiles + the module's NAME.mod.c (the
	# template's objects come compiled once per build dir)
	run ccache --print-stats
	echo "$output"
	misses=$(awk '$1 == "cache_miss" { print $2 }' <<<"$output")
	[[ $misses -ge 4 ]] || { echo "ccache: $misses cache misses, expected at least 4" >&2; false; }
	same_results plain ccache
	# control: the comparison sees one changed byte of one recompiled object
	printf 'X' | dd of="$WORK_B/patched/fs/proc/meminfo.o" bs=1 seek=64 conv=notrunc status=none
	run same_results plain ccache
	[ "$status" -eq 1 ]
	assert_output_has "patched/fs/proc/meminfo.o"
	rm -rf "$WORK_A" "$WORK_B"
}

@test "--cc-wrapper distcc (DISTCC_HOSTS=localhost): the compiles go through distcc; same objects, module and build key" {
	command -v distcc >/dev/null || skip "distcc is not installed"
	export DISTCC_HOSTS=localhost DISTCC_LOG=$BATS_TEST_TMPDIR/distcc.log DISTCC_VERBOSE=1 \
		DISTCC_DIR=$BATS_TEST_TMPDIR/distcc
	wrapped_run plain
	WORK_A=$WORKDIR
	wrapped_run distcc --cc-wrapper distcc
	WORK_B=$WORKDIR
	check_report "$BATS_TEST_TMPDIR/distcc/report.json" cc_wrapper=distcc
	grep -q '^distcc gcc ' "$WORK_B/patched/kernel/configs.o.cmdline"
	# distcc ran the compile of each changed object
	grep -q "compile .*/fs/proc/meminfo.c on localhost completed ok" "$DISTCC_LOG" || { tail -n 20 "$DISTCC_LOG"; false; }
	grep -q "compile .*/kernel/configs.c on localhost completed ok" "$DISTCC_LOG"
	same_results plain distcc
	rm -rf "$WORK_A" "$WORK_B"
}

@test "--cc-wrapper: the original build's make gets CC=\"WRAPPER gcc\"; the build key is the same with and without it" {
	local fake=$BATS_TEST_TMPDIR/fake b=$BATS_TEST_TMPDIR/build w
	fake_tree "$fake"
	# the fake kbuild runs no compiler: where a wrapper is not installed, a
	# stand-in on PATH does for the driver's check that it exists
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	for w in ccache distcc; do
		command -v "$w" >/dev/null || printf '#!/bin/sh\nexit 1\n' >"$BATS_TEST_TMPDIR/bin/$w"
	done
	chmod -R +x "$BATS_TEST_TMPDIR/bin"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH
	# a stand-in kbuild that prints the compiler it is given
	printf 'all:\n\t@echo "fake kbuild all CC=$(CC)"\n%%:\n\t@echo "fake kbuild $@ CC=$(CC)"\n' >"$fake/Makefile"
	run "$KLPB_DRIVER" --build-original-only --cc-wrapper "ccache" -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "built: $b"
	grep -qxF "fake kbuild olddefconfig CC=ccache gcc" "$b/klp-build-original.log"
	grep -qxF "fake kbuild all CC=ccache gcc" "$b/klp-build-original.log"
	key=$(cat "$b/.klp-build-key")
	# without the wrapper, or with another one: the same build, reused
	run "$KLPB_DRIVER" --build-original-only -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $b"
	run "$KLPB_DRIVER" --build-original-only --cc-wrapper "distcc" -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "cached: $b"
	[ "$(cat "$b/.klp-build-key")" = "$key" ]
	# a control: a changed source tree is built again, through the wrapper
	echo "/* klpb */" >>"$fake/fs/proc/cmdline.c"
	run "$KLPB_DRIVER" --build-original-only --cc-wrapper "distcc" -s "$fake" -c "$KLPB_TEST_CFG" -b "$b"
	[ "$status" -eq 0 ]
	assert_output_has "built: $b"
	grep -qxF "fake kbuild all CC=distcc gcc" "$b/klp-build-original.log"
}

@test "a build dir made with CC=\"ccache gcc\": its saved wrapper is dropped (or replaced by --cc-wrapper); same objects and module" {
	unshare -m true 2>/dev/null || skip "unshare -m does not work here (needs root: the build dir is overlaid, not written)"
	grep -qw overlay /proc/filesystems || skip "no overlay file system"
	wrapped_run plain
	WORK_A=$WORKDIR
	RUNNER=(in_ccache_build)
	wrapped_run saved
	WORK_B=$WORKDIR
	# the overlay had the wrapper (the upper dir holds the edited .cmd)
	grep -q '^cmd_fs/proc/meminfo.o := ccache gcc ' "$BATS_TEST_TMPDIR/upper/fs/proc/.meminfo.o.cmd"
	# and the shared build dir has not
	grep -q '^cmd_fs/proc/meminfo.o := gcc ' "$KLPB_TEST_BUILD/fs/proc/.meminfo.o.cmd"
	grep -q '^gcc ' "$WORK_B/patched/fs/proc/meminfo.o.cmdline"
	same_results plain saved
	rm -rf "$WORK_B"
	command -v distcc >/dev/null || skip "distcc is not installed (make setup installs it): the saved ccache wrapper part passed"
	export DISTCC_HOSTS=localhost DISTCC_DIR=$BATS_TEST_TMPDIR/distcc
	wrapped_run distcc --cc-wrapper distcc
	WORK_B=$WORKDIR
	grep -q '^distcc gcc ' "$WORK_B/patched/kernel/module/procfs.o.cmdline"
	same_results plain distcc
	rm -rf "$WORK_A" "$WORK_B"
}
