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
