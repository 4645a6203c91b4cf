# shellcheck shell=bash
# Helpers of the driver tests (10-driver.bats, 11-driver-errors.bats,
# 12-driver-ccache.bats): patches made at test time, runs of the driver in
# the background with stand-ins for the compiler and the tools, checks that
# nothing of a run is left, and the JSON report.
# shellcheck disable=SC2154,SC2034,SC2016 # bats variables; variables for the tests; literal shell code

# comment_patch OUT FILE...: a patch appending a comment to each FILE (at
# the end, so no line number changes: the objects must not change).
comment_patch() {
	local out=$1 f
	shift
	: >"$out"
	for f in "$@"; do
		cp "$KLPB_TEST_SRC/$f" "$BATS_TEST_TMPDIR/new"
		echo "/* klp-build test: comment only */" >>"$BATS_TEST_TMPDIR/new"
		unified_diff "$f" "$KLPB_TEST_SRC/$f" "$BATS_TEST_TMPDIR/new" >>"$out"
	done
}

# fake_tree DIR: a minimal "kernel source tree" (Makefile, kernel/, the
# fs/proc/cmdline.c that 01-cmdline-one-function.patch applies to) whose
# make prints the first line of the config it was given (BUILD/.config) and
# fails
fake_tree() {
	mkdir -p "$1/kernel" "$1/fs/proc"
	cp "$KLPB_TEST_SRC/fs/proc/cmdline.c" "$1/fs/proc/"
	printf '%%:\n\t@echo "fake kbuild $@: $$(head -n 1 $(O)/.config)"; exit 1\n' >"$1/Makefile"
}

# fake_built_tree DIR: fake_tree whose make succeeds (prints its goal)
fake_built_tree() {
	fake_tree "$1"
	printf 'all:\n\t@echo "fake kbuild all"\n%%:\n\t@echo "fake kbuild $@"\n' >"$1/Makefile"
}

# build_only DIR BUILD: --build-original-only of the fake tree DIR in BUILD;
# prints "built" or "cached"
build_only() {
	run "$KLPB_DRIVER" --build-original-only -s "$1" -c "$KLPB_TEST_CFG" -b "$2"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	if [[ $output == *"cached: $2"* ]]; then echo cached; elif [[ $output == *"built: $2"* ]]; then echo built; else echo "?"; fi
}

# --- the driver's children end with it -------------------------------------
# A run is started with KLPB_T_RUN=$BATS_TEST_TMPDIR in its environment,
# which every process it starts inherits: run_procs finds what is left.

# run_procs: pids of the processes of this test's driver run
run_procs() {
	local f p
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		if tr '\0' '\n' 2>/dev/null <"$f" | grep -qxF "KLPB_T_RUN=$BATS_TEST_TMPDIR"; then
			echo "$p"
		fi
	done
	return 0
}

# assert_run_gone: within 5 s no process of the run is left
assert_run_gone() {
	local i left
	for ((i = 0; i < 50; i++)); do
		left=$(run_procs)
		[[ -n $left ]] || return 0
		sleep 0.1
	done
	echo "processes of the run still alive after the driver exited:" >&2
	# shellcheck disable=SC2086 # one pid per word
	ps -o pid,ppid,pgid,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	return 1
}

# slow_gcc PATTERN CODE [PATTERN CODE]...: a gcc stand-in first on PATH; a
# compile whose arguments match the shell PATTERN (a case pattern, in which
# $t is $BATS_TEST_TMPDIR) runs the shell code CODE first; everything else
# (and CODE unless it exits) is the real gcc
slow_gcc() {
	local real
	real=$(command -v gcc)
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/tmp"
	{
		printf '#!/bin/bash\nt=%s\ncase " $* " in\n' "$BATS_TEST_TMPDIR"
		while [[ $# -ge 2 ]]; do
			printf '%s) %s ;;\n' "$1" "$2"
			shift 2
		done
		printf 'esac\nexec %s "$@"\n' "$real"
	} >"$BATS_TEST_TMPDIR/bin/gcc"
	chmod +x "$BATS_TEST_TMPDIR/bin/gcc"
}
# the patched compile of fs/proc/NAME.c of a work dir of this test
PAT_CMDLINE='*" $t/tmp/klp-build."*"/src/fs/proc/cmdline.c "*'
PAT_MEMINFO='*" $t/tmp/klp-build."*"/src/fs/proc/meminfo.c "*'
# the module link's compile (of NAME.mod.c: the template's objects come
# compiled)
PAT_KMOD_LINK='*" $t/tmp/klp-build."*"/kmod/"*".mod.c "*'
# shell code for slow_gcc and fake_tools: say so, then hang
HANG='touch "$t/hanging"; exec sleep 60'

# fake_tools [CDO-CODE [KC-CODE]]: an installed klp-build in
# $BATS_TEST_TMPDIR/inst (bin/klp-build, libexec/klp-build/, share/klp-build/)
# whose create-diff-object and klp-convert are stand-ins: the diff of an
# object (klp-convert's conversion) runs CDO-CODE (KC-CODE) first, then the
# real tool; sets DRIVER_BIN
fake_tools() {
	local i=$BATS_TEST_TMPDIR/inst tool code
	mkdir -p "$i/bin" "$i/libexec/klp-build" "$i/share/klp-build"
	cp "$KLPB_DRIVER" "$i/bin/klp-build"
	ln -s "$KLPB_REPO/kmod-template" "$i/share/klp-build/kmod-template"
	ln -s "$KLPB_REPO/include" "$i/share/klp-build/include"
	for tool in create-diff-object klp-convert; do
		code=${1:-}
		[[ $# -eq 0 ]] || shift
		printf '#!/bin/bash\nt=%s\ncase " $* " in\n*" %s "*) %s ;;\nesac\nexec %s "$@"\n' \
			"$BATS_TEST_TMPDIR" "$([[ $tool == klp-convert ]] && echo --kernel-build || echo --objname)" \
			"${code:-:}" "$KLPB_REPO/$tool/$tool" >"$i/libexec/klp-build/$tool"
		chmod +x "$i/libexec/klp-build/$tool"
	done
	DRIVER_BIN=$i/bin/klp-build
}

# start_run ARGS...: the driver ($DRIVER_BIN, default the repo's) in the
# background against the cached test kernel, with the stand-in gcc first on
# PATH, TMPDIR in this test's dir, -j2, output to $BATS_TEST_TMPDIR/out and
# the report to $BATS_TEST_TMPDIR/report.json; sets DRIVER (its pid) and
# DRIVER_LOG.  Job control is on while it starts: a background command of a
# shell without it ignores SIGINT, which the driver could then not trap.
start_run() {
	DRIVER_LOG=$BATS_TEST_TMPDIR/driver.log
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/tmp"
	# env --default-signal: a shell started in the background (CI under
	# nohup, "cmd &" in a script) has SIGINT ignored, which bash can then
	# neither trap nor reset; a user's terminal never does that
	set -m
	KLPB_T_RUN=$BATS_TEST_TMPDIR TMPDIR=$BATS_TEST_TMPDIR/tmp PATH="$BATS_TEST_TMPDIR/bin:$PATH" \
		env --default-signal=INT,TERM,HUP "${DRIVER_BIN:-$KLPB_DRIVER}" -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$KLPB_TEST_BUILD" -j2 \
		-o "$BATS_TEST_TMPDIR/out" --report "$BATS_TEST_TMPDIR/report.json" "$@" >"$DRIVER_LOG" 2>&1 3>&- &
	DRIVER=$!
	set +m
}

# wait_file FILE: FILE appears within 60 s (else the run's output is shown)
wait_file() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ ! -e $1 ]] || return 0
		sleep 0.1
	done
	echo "$1 did not appear; driver output:" >&2
	cat "$DRIVER_LOG" >&2
	return 1
}

# assert_no_work_dir: the run's work dir is gone
assert_no_work_dir() {
	local left
	left=$(find "$BATS_TEST_TMPDIR/tmp" -mindepth 1 -maxdepth 1 -name 'klp-build.*')
	[[ -z $left ]] || { echo "work dir left: $left" >&2; return 1; }
}

# driver_teardown: what a failed test left running (by pid, only this
# test's processes)
driver_teardown() {
	local p
	for p in $(run_procs); do kill "$p" 2>/dev/null || true; done
}

# --- the report ------------------------------------------------------------

# check_report FILE [KEY=VALUE...]: FILE is JSON that follows the schema of
# man/klp-build.1 (REPORT; test/lib/check-report.py) and whose top-level
# KEYs have these values (compared as JSON: status=ok, exit_status=0)
check_report() {
	python3 -m json.tool "$1" >/dev/null || { echo "$1: not JSON:" >&2; cat "$1" >&2; return 1; }
	python3 "$KLPB_REPO/test/lib/check-report.py" "$@"
}

# tree_checksum: the names, types, modes and contents of everything in the
# test source tree (sha256 of every file)
tree_checksum() {
	(
		cd "$KLPB_TEST_SRC" || exit 1
		find . -printf '%P %y %m %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	) | sha256sum | cut -d' ' -f1
}
