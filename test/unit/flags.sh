# shellcheck shell=bash
# Compiler flags of the unit fixtures; sourced by test/unit/run and
# test/fuzz/run.
# shellcheck disable=SC2034 # used by the scripts that source it

# Kernel-like flags (x86_64): one section per function/object, fentry +
# __mcount_loc, kernel code model, no red zone, no unwind tables.
FIXTURE_CFLAGS=(-O2 -c -ffunction-sections -fdata-sections -fno-common -fno-PIE
	-mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables
	-pg -mfentry -mrecord-mcount -fno-strict-aliasing -nostdinc
	-fno-stack-protector -fcf-protection=none -fno-builtin -w)

# ppc64le cases (a fixture file 'arch' saying ppc64le): as the kernel
# builds vmlinux objects (PPC64LE_KERNEL_CFLAGS: -Os, medium code model,
# -mprofile-kernel ftrace calls), and with the flags klp-build adds to both
# sides of the diff on top (PPC64LE_CFLAGS: module code model, every call
# through a .toc slot), read from the project's arch table.
PPC64LE_CC=${PPC64LE_CC:-powerpc64le-linux-gnu-gcc}
PPC64LE_KERNEL_CFLAGS=(-Os -c -ffunction-sections -fdata-sections -fno-common -fno-PIE
	-mlittle-endian -m64 -mabi=elfv2 -msoft-float -mcmodel=medium -pg -mprofile-kernel
	-fno-asynchronous-unwind-tables -nostdinc -fno-stack-protector -fno-builtin -w)
_klpb_cdo=${CDO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/create-diff-object/create-diff-object}
read -r -a _klpb_ppc_diff <<<"$("$_klpb_cdo" --arch-info ppc64le 2>/dev/null | sed -n 's/^diff_cflags=//p')"
[ "${#_klpb_ppc_diff[@]}" -gt 0 ] ||
	echo "flags.sh: no ppc64le diff_cflags from $_klpb_cdo --arch-info (tools not built?)" >&2
PPC64LE_CFLAGS=("${PPC64LE_KERNEL_CFLAGS[@]}" "${_klpb_ppc_diff[@]}")

# s390x cases (a fixture file 'arch' saying s390x): the kernel's s390 flags
# (-mfentry -mnop-mcount -mrecord-mcount ftrace nops, expolines with their
# thunks in each object, as on Linux 6.1) plus what klp-build gives s390x
# diff objects (-fPIC -mno-pic-data-is-text-relative: calls through PLT
# relocations, data through GOT slots); the kernel's own flags for vmlinux
# objects are -fPIE (6.1): the "built" pair of cases with a 'built' file.
S390X_CC=${S390X_CC:-s390x-linux-gnu-gcc}
S390X_KERNEL_CFLAGS=(-O2 -c -m64 -march=z196 -mpacked-stack -mbackchain -msoft-float
	-ffunction-sections -fdata-sections -fno-common -fno-asynchronous-unwind-tables
	-pg -mfentry -mnop-mcount -mrecord-mcount -mindirect-branch=thunk
	-mfunction-return=thunk -mindirect-branch-table -fno-strict-aliasing -nostdinc
	-fno-stack-protector -fno-builtin -w -fPIE)
read -r -a _klpb_s390_diff <<<"$("$_klpb_cdo" --arch-info s390x 2>/dev/null | sed -n 's/^diff_cflags=//p')"
[ "${#_klpb_s390_diff[@]}" -gt 0 ] ||
	echo "flags.sh: no s390x diff_cflags from $_klpb_cdo --arch-info (tools not built?)" >&2
S390X_CFLAGS=("${S390X_KERNEL_CFLAGS[@]}" "${_klpb_s390_diff[@]}")

# 32-bit arm cases (a fixture file 'arch' saying arm): the kernel's arm
# flags (ARM mode, EABI, -pg: "push {lr}; bl __gnu_mcount_nc" after the
# prologue, unwind tables: .ARM.exidx per function), plus what klp-build
# gives arm diff objects (-mword-relocations: addresses from ABS32 literal
# words); REL relocations, whose addends lib/elf.c reads from the fields.
ARM_CC=${ARM_CC:-arm-linux-gnueabihf-gcc}
ARM_KERNEL_CFLAGS=(-Os -c -marm -march=armv7-a -mabi=aapcs-linux -mfloat-abi=soft
	-funwind-tables -pg -ffunction-sections -fdata-sections -fno-common -fno-PIE
	-fno-strict-aliasing -nostdinc -fno-stack-protector -fno-builtin -w)
read -r -a _klpb_arm_diff <<<"$("$_klpb_cdo" --arch-info arm 2>/dev/null | sed -n 's/^diff_cflags=//p')"
[ "${#_klpb_arm_diff[@]}" -gt 0 ] ||
	echo "flags.sh: no arm diff_cflags from $_klpb_cdo --arch-info (tools not built?)" >&2
ARM_CFLAGS=("${ARM_KERNEL_CFLAGS[@]}" "${_klpb_arm_diff[@]}")

# arm64 cases (a fixture file 'arch' saying arm64): the kernel's arm64
# flags at -Os (two NOPs at each function's entry, listed in
# __patchable_function_entries: 6.1 and 6.12 without CALL_OPS; a case's
# cflags turn on 6.12's -O2 layout, -fpatchable-function-entry=4,2 with
# -falign-functions=8), plus what klp-build gives arm64 diff objects
# (nothing at present: --arch-info arm64 has an empty diff_cflags).
ARM64_CC=${ARM64_CC:-aarch64-linux-gnu-gcc}
ARM64_KERNEL_CFLAGS=(-Os -c -mlittle-endian -mgeneral-regs-only -mabi=lp64
	-fpatchable-function-entry=2 -fno-optimize-sibling-calls -mbranch-protection=none
	-ffunction-sections -fdata-sections -fno-common -fno-PIE -fno-asynchronous-unwind-tables
	-fno-strict-aliasing -nostdinc -fno-stack-protector -fno-builtin -w)
read -r -a _klpb_arm64_diff <<<"$("$_klpb_cdo" --arch-info arm64 2>/dev/null | sed -n 's/^diff_cflags=//p')"
ARM64_CFLAGS=("${ARM64_KERNEL_CFLAGS[@]}" "${_klpb_arm64_diff[@]}")
