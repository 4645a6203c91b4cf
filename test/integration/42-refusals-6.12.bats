#!/usr/bin/env bats
# Linux 6.12: the refusals of 10-driver.bats and the sympos case of
# 30-special.bats on the second test kernel (no boot for the refusals).

KLPB_KVER=6.12
load ../lib/bats-common
load 31-special.bash

setup_file() {
	klpb_need_source
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "6.12 refused: a changed __init function (named); tree unchanged" {
	local before
	before=$(tree_fingerprint)
	klpb t_init "$PATCHDIR/24-cmdline-init-6.12.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "proc_cmdline_init"
	assert_output_has "__init"
	assert_no_ko
	[[ $(tree_fingerprint) == "$before" ]]
}

@test "6.12 refused: changed initialised global data (named)" {
	klpb t_data "$PATCHDIR/07-panic-data.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "panic_timeout"
	assert_no_ko
}

@test "6.12 refused: a patch that changes nothing -> no changes" {
	klpb t_nochange "$PATCHDIR/08-cmdline-comment.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "no changes"
	assert_no_ko
}

@test "6.12 refused: a changed struct layout (struct seq_file)" {
	klpb t_struct "$PATCHDIR/16-seq-file-struct.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "include/linux/seq_file.h:"
	assert_output_has "struct seq_file"
	assert_no_ko
}

@test "6.12 sympos: m_show exists in kernel/module/procfs.o and fs/namespace.o; only /proc/modules changes" { sc_sympos; }
