// SPDX-License-Identifier: GPL-2.0
/*
 * The architectures klp-build recognises.  arch_infos is the one table of
 * what the driver and the tests need to know about each (they read it
 * through create-diff-object --arch-info); the back-ends (arch/<name>.c)
 * hold what create-diff-object and klp-convert need.
 */
#include <string.h>

#include "arch.h"
#include "util.h"

static const struct arch_info arch_infos[] = {
	{
		.name = "x86_64", .aliases = "amd64",
		.kernel_arch = "x86_64", .srcarch = "x86",
		.cross_compile = "x86_64-linux-gnu-", .boot_image = "arch/x86/boot/bzImage",
		.kconfig = "CONFIG_X86_64=y",
		.diff_cflags = "", .backend = &arch_x86_64,
	},
	{
		/*
		 * vmlinux objects are -mcmodel=medium (data reached TOC-relative,
		 * impossible from a module): both sides of the diff are compiled
		 * the module way (-mcmodel=large -mno-save-toc-indirect,
		 * arch/powerpc/Makefile) and with -mlongcall -mno-pltseq: every
		 * call, to a static function of the file too, goes through a .toc
		 * slot with r2 saved and restored, so a local call that became
		 * global needs no stub and no nop (DESIGN.md "ppc64le").
		 */
		.name = "ppc64le", .aliases = "ppc64el",
		.kernel_arch = "powerpc", .srcarch = "powerpc",
		.cross_compile = "powerpc64le-linux-gnu-", .boot_image = "vmlinux",
		.kconfig = "CONFIG_PPC64=y CONFIG_CPU_LITTLE_ENDIAN=y",
		.diff_cflags = "-mcmodel=large -mno-save-toc-indirect -mlongcall -mno-pltseq",
		.backend = &arch_ppc64le,
	},
	{
		/*
		 * Linux 6.1 maps modules about 4 TB away from vmlinux, out of
		 * reach of the 32-bit PC-relative fields with which vmlinux
		 * objects (-fPIE on 6.1, -fPIC on 6.12) reach their data; with
		 * -fPIC -mno-pic-data-is-text-relative every data reference goes
		 * through a GOT slot, which the module loader fills with a full
		 * address, and every call is a PLT32DBL the loader routes through
		 * a PLT slot when the target is far (DESIGN.md "s390x").
		 */
		.name = "s390x", .aliases = "",
		.kernel_arch = "s390", .srcarch = "s390",
		.cross_compile = "s390x-linux-gnu-", .boot_image = "arch/s390/boot/bzImage",
		.kconfig = "CONFIG_S390=y",
		.diff_cflags = "-fPIC -mno-pic-data-is-text-relative", .backend = &arch_s390x,
	},
	{
		.name = "arm64", .aliases = "aarch64",
		.kernel_arch = "arm64", .srcarch = "arm64",
		.cross_compile = "aarch64-linux-gnu-", .boot_image = "arch/arm64/boot/Image",
		.kconfig = "CONFIG_ARM64=y",
		/*
		 * vmlinux objects are compiled as the kernel's (-mcmodel=small):
		 * on kernels without CONFIG_LIVEPATCH (arm64 6.1, 6.12)
		 * klp-convert writes references to vmlinux as ordinary
		 * relocations against an exported symbol plus the link-time
		 * distance, which the module loader applies (vmlinux moves as
		 * one block under KASLR).  Objects of modules both sides
		 * -mcmodel=large: every symbol address is an ABS64 literal in
		 * the function's own text, loaded by adrp + ldr, and klp-convert
		 * points that pair at a slot the in-module core fills when the
		 * symbol is a module's, which may come and go (DESIGN.md
		 * "arm64", "Built: loads and stores of module data").
		 */
		.diff_cflags = "", .module_diff_cflags = "-mcmodel=large",
		.in_module_core = true, .backend = &arch_arm64,
	},
	{
		.name = "arm", .aliases = "armhf armv7l",
		.kernel_arch = "arm", .srcarch = "arm",
		.cross_compile = "arm-linux-gnueabihf-", .boot_image = "arch/arm/boot/zImage",
		.kconfig = "CONFIG_ARM=y",
		/*
		 * -mword-relocations: symbol addresses from literal words
		 * (R_ARM_ABS32), never MOVW/MOVT pairs, whose 16-bit implicit
		 * addend cannot carry klp-convert's anchor distances; no
		 * CONFIG_LIVEPATCH on arm: the in-module core (DESIGN.md
		 * "32-bit arm").
		 */
		.diff_cflags = "-mword-relocations", .in_module_core = true, .backend = &arch_arm,
	},
};

const struct arch *arch_find(unsigned int machine)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arch_infos); i++)
		if (arch_infos[i].backend && arch_infos[i].backend->machine == machine)
			return arch_infos[i].backend;
	return NULL;
}

/* is name one of the space-separated words of list? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

const struct arch_info *arch_info_find(const char *name)
{
	unsigned int i;

	if (!*name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(arch_infos); i++)
		if (!strcmp(arch_infos[i].name, name) || in_list(arch_infos[i].aliases, name))
			return &arch_infos[i];
	return NULL;
}

const struct arch_info *arch_info_at(unsigned int i)
{
	return i < ARRAY_SIZE(arch_infos) ? &arch_infos[i] : NULL;
}
