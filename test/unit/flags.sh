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

# ppc64le cases (a fixture file 'arch' saying ppc64le): the flags klp-build
# gives ppc64le diff objects (module code model, every call through a .toc
# slot), -mprofile-kernel ftrace calls, -Os as the kernel builds.
PPC64LE_CC=${PPC64LE_CC:-powerpc64le-linux-gnu-gcc}
PPC64LE_CFLAGS=(-Os -c -ffunction-sections -fdata-sections -fno-common -fno-PIE
	-mlittle-endian -m64 -mabi=elfv2 -msoft-float -mcmodel=large -mno-save-toc-indirect
	-mlongcall -mno-pltseq -pg -mprofile-kernel -fno-asynchronous-unwind-tables
	-nostdinc -fno-stack-protector -fno-builtin -w)
