// SPDX-License-Identifier: GPL-2.0
/*
 * klp-convert: turn a linked klp-build patch module into the livepatch ELF
 * format.  See docs/DESIGN.md ("klp-convert") and man/klp-convert.1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klp-convert.h"

#ifndef KLPB_VERSION
#define KLPB_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-convert [options] IN.ko OUT.ko\n"
		"Resolve the livepatch records of a module built by klp-build: write\n"
		".klp.rela.<obj>.<section> relocations against .klp.sym.<obj>.<name>,<pos>\n"
		"symbols and the sympos of every patched function.\n"
		"\n"
		"  --kernel-build DIR   build dir of the original kernel (vmlinux,\n"
		"                       modules.order and the modules' .ko files; required)\n"
		"      --in-module-core the kernel has no CONFIG_LIVEPATCH: references to\n"
		"                       vmlinux become ordinary relocations against an\n"
		"                       exported anchor symbol plus the link-time distance;\n"
		"                       each function record gets its old address\n"
		"      --list           print each resolution on standard output once\n"
		"                       OUT.ko is written: \"function|symbol OBJNAME NAME\n"
		"                       SYMPOS OBJFILE\" (OBJFILE - when not known)\n"
		"  -v, --verbose        explain each resolution\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n"
		"exit: 0 = OUT.ko written, 1 = error, 2 = usage\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel-build", required_argument, NULL, 'b' },
		{ "in-module-core", no_argument, NULL, 'M' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *build = NULL, *in, *out;
	const struct arch *arch;
	struct records recs;
	struct symdb *db = NULL;
	struct elf *elf;
	int c, ret = 1, list = 0;
	bool in_module_core = false;

	klpb_prog = "klp-convert";
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			build = optarg;
			break;
		case 'M':
			in_module_core = true;
			break;
		case 'l':
			list = 1;
			break;
		case 'v':
			klpb_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("klp-convert %s\n", KLPB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || !build) {
		if (!build)
			ERROR("--kernel-build DIR is required");
		else
			ERROR("expected IN.ko and OUT.ko");
		usage(stderr);
		return 2;
	}
	in = argv[optind];
	out = argv[optind + 1];

	elf = elf_read(in);
	if (!elf)
		return 1;
	arch = arch_find(elf->ehdr.e_machine);
	if (!arch || arch->elfclass != elf->elfclass) {
		ERROR("%s: unsupported machine %u", in, elf->ehdr.e_machine);
		goto out;
	}
	if (elf->ehdr.e_type != ET_REL) {
		ERROR("%s: not a kernel module (ELF type %u)", in, elf->ehdr.e_type);
		goto out;
	}
	if (records_read(elf, &recs))
		goto out;
	db = symdb_open(build);
	if (!db)
		goto out_recs;
	if (convert(elf, arch, db, &recs, in_module_core))
		goto out_recs;
	if (elf_write(elf, out))
		goto out_recs;
	INFO("%s: %zu function(s), %zu relocation(s)", out, recs.nr_funcs,
	     recs.nr_relocs);
	if (list)
		convert_list(stdout, &recs);
	ret = 0;
out_recs:
	records_free(&recs);
out:
	symdb_free(db);
	elf_free(elf);
	return ret;
}
