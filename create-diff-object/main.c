// SPDX-License-Identifier: GPL-2.0
/*
 * create-diff-object: compare an object file of the original kernel build
 * with the same object rebuilt from patched source, and write a diff object
 * holding the changed and new functions with what they need.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdo.h"

#define EXIT_CHANGED	0
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_NOCHANGE	3

static void usage(FILE *f)
{
	fprintf(f,
"usage: create-diff-object [options] ORIG.o PATCHED.o OUT.o\n"
"\n"
"Compare ORIG.o (original kernel build) with PATCHED.o (same object from the\n"
"patched source) and write OUT.o with the changed and new functions, the data\n"
"they need, the special-section entries that belong to them, and livepatch\n"
"relocation records for references the module cannot link against.\n"
"\n"
"  --objname NAME   owner of the object: vmlinux (default) or a module name\n"
"  --objfile PATH   object path in the build, e.g. fs/proc/cmdline.o\n"
"                   (default: ORIG.o's path)\n"
"  --symvers FILE   Module.symvers of the original build\n"
"  --sizes FILE     klpb-sizes.o built against the kernel (special-section sizes)\n"
"  --built-orig FILE, --built-patched FILE\n"
"                   the object as the kernel build compiled it, and the patched\n"
"                   source compiled with the same command line: when ORIG and\n"
"                   PATCHED were compiled with other flags, these decide what the\n"
"                   kernel must replace and the names it knows (the same files as\n"
"                   ORIG and PATCHED, or none: ORIG is what the kernel contains)\n"
"  --arch-info ARCH print what klp-build knows of ARCH (a -a name, an alias or\n"
"                   uname -m's name) as key=value lines, and exit; \"list\":\n"
"                   one line per architecture (name, back-end yes/no)\n"
"  -v, --verbose    explain decisions\n"
"  -h, --help       this text\n"
"      --version    print the version\n"
"\n"
"Exit status: 0 changes found (OUT.o written), 3 no change (nothing written),\n"
"1 error, 2 usage.  Standard output lists included functions, one per line:\n"
"\"changed|new|copied OBJFILE FUNCTION\" (copied: carried without replacing\n"
"a kernel function: no ftrace site, or not in the kernel's build of the object).\n");
}

/* --arch-info: the driver's and the tests' one source of arch knowledge */
static int print_arch_info(const char *name)
{
	const struct arch_info *ai;
	unsigned int i;

	if (!strcmp(name, "list")) {
		for (i = 0; (ai = arch_info_at(i)); i++)
			printf("%s %s\n", ai->name, ai->backend ? "yes" : "no");
		return 0;
	}
	ai = arch_info_find(name);
	if (!ai) {
		char known[256] = "";

		for (i = 0; (ai = arch_info_at(i)); i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), " %s", ai->name);
		ERROR("unknown architecture '%s' (known:%s)", name, known);
		return EXIT_USAGE;
	}
	printf("name=%s\nkernel_arch=%s\nsrcarch=%s\ncross_compile=%s\nboot_image=%s\n"
	       "kconfig=%s\ndiff_cflags=%s\nmodule_diff_cflags=%s\nin_module_core=%s\nbackend=%s\n",
	       ai->name, ai->kernel_arch, ai->srcarch, ai->cross_compile, ai->boot_image, ai->kconfig,
	       ai->diff_cflags, ai->module_diff_cflags ? ai->module_diff_cflags : "",
	       ai->in_module_core ? "yes" : "no", ai->backend ? "yes" : "no");
	if (!ai->backend)
		printf("no_backend=%s\n", ai->no_backend);
	return 0;
}

static void print_functions(const struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	size_t i;

	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *s = pe->symbols[i];

		if (s->include && s->type == STT_FUNC)
			printf("%s %s %s\n", s->notrace_copy ? "copied" :
			       s->status == CHANGED ? "changed" : "new", cdo->objfile, s->name);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "objname", required_argument, NULL, 'N' },
		{ "objfile", required_argument, NULL, 'F' },
		{ "symvers", required_argument, NULL, 'S' },
		{ "sizes", required_argument, NULL, 'Z' },
		{ "built-orig", required_argument, NULL, 'B' },
		{ "built-patched", required_argument, NULL, 'P' },
		{ "arch-info", required_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cdo cdo = { .objname = "vmlinux" };
	const char *symvers = NULL, *sizes = NULL, *out_path;
	const char *built_orig = NULL, *built_patched = NULL;
	int c;

	klpb_prog = "create-diff-object";
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'N': cdo.objname = optarg; break;
		case 'F': cdo.objfile = optarg; break;
		case 'S': symvers = optarg; break;
		case 'Z': sizes = optarg; break;
		case 'B': built_orig = optarg; break;
		case 'P': built_patched = optarg; break;
		case 'A': return print_arch_info(optarg);
		case 'v': klpb_verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("create-diff-object %s\n", KLPB_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	out_path = argv[optind + 2];
	if (!cdo.objfile)
		cdo.objfile = argv[optind];
	if (!built_orig != !built_patched) {
		ERROR("--built-orig and --built-patched go together");
		return EXIT_USAGE;
	}
	if (strlen(cdo.objname) > 55) {
		ERROR("object name '%s' longer than the kernel's 55-character limit", cdo.objname);
		return EXIT_USAGE;
	}

	cdo.orig = elf_read(argv[optind]);
	cdo.patched = elf_read(argv[optind + 1]);
	if (!cdo.orig || !cdo.patched)
		return EXIT_ERROR;
	if (cdo.orig->ehdr.e_type != ET_REL || cdo.patched->ehdr.e_type != ET_REL) {
		ERROR("%s, %s: relocatable objects (.o) expected", cdo.orig->path,
		      cdo.patched->path);
		return EXIT_ERROR;
	}
	if (cdo.orig->ehdr.e_machine != cdo.patched->ehdr.e_machine) {
		ERROR("%s and %s are for different machines", cdo.orig->path, cdo.patched->path);
		return EXIT_ERROR;
	}
	cdo.arch = arch_find(cdo.orig->ehdr.e_machine);
	if (!cdo.arch) {
		ERROR("%s: unsupported machine %u", cdo.orig->path, cdo.orig->ehdr.e_machine);
		return EXIT_ERROR;
	}
	if (cdo.orig->elfclass != cdo.arch->elfclass || cdo.patched->elfclass != cdo.arch->elfclass ||
	    cdo.orig->big_endian != cdo.patched->big_endian) {
		ERROR("%s, %s: ELF class or byte order does not match (%s objects are %d-bit)",
		      cdo.orig->path, cdo.patched->path, cdo.arch->name,
		      cdo.arch->elfclass == ELFCLASS64 ? 64 : 32);
		return EXIT_ERROR;
	}
	if (symvers && !(cdo.symvers = symvers_read(symvers)))
		return EXIT_ERROR;
	if (sizes && !(cdo.sizes = elf_read(sizes)))
		return EXIT_ERROR;

	if (kernel_read(&cdo, built_orig, built_patched) || kernel_bridge(&cdo))
		return EXIT_ERROR;
	if (correlate(&cdo) || compare(&cdo) || apply_author_records(&cdo) ||
	    kernel_changes(&cdo) || include_changes(&cdo))
		return EXIT_ERROR;

	if (!cdo.nr_changed && !cdo.nr_new) {
		INFO("%s: no changes", cdo.objfile);
		return EXIT_NOCHANGE;
	}

	unlink(out_path);
	if (output_begin(&cdo) || output_units(&cdo) || output_finish(&cdo, out_path)) {
		unlink(out_path);
		return EXIT_ERROR;
	}
	print_functions(&cdo);
	INFO("%s: %u changed, %u new functions, %u livepatch relocations", cdo.objfile,
	     cdo.nr_changed, cdo.nr_new, cdo.nr_klp_relocs);
	return EXIT_CHANGED;
}
