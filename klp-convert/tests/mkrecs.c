// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper standing in for create-diff-object: move the relocations of
 * the text sections (and __jump_table) of IN.o against the named symbols into .klp.relocs
 * records (klpb-meta.h), so klp-convert can be tested on hand-written
 * patch objects.  x86_64 only.
 *
 *   mkrecs IN.o OUT.o NAME:OBJNAME:OBJFILE:LOCAL...
 *
 * Empty OBJNAME / OBJFILE are NULL; LOCAL is 0 or 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "klpb-meta.h"
#include "util.h"

#define PS 8

static struct section *recs, *strs;
static struct symbol *strsym;

static void add_str_field(uint64_t off, const char *s)
{
	if (!s || !*s)
		return;
	elf_add_reloc(recs, off, R_X86_64_64, strsym,
		      elf_section_append(strs, s, strlen(s) + 1, 1));
}

static int move_relocs(struct elf *elf, size_t nsec, char *spec)
{
	char *name = strsep(&spec, ":"), *objname = strsep(&spec, ":");
	char *objfile = strsep(&spec, ":"), *local = strsep(&spec, ":");
	struct symbol *sym;
	size_t i, j;
	int n = 0;

	if (!local) {
		ERROR("bad spec, want NAME:OBJNAME:OBJFILE:LOCAL");
		return -1;
	}
	for (i = 1; i < nsec; i++) {
		struct section *rsec = elf->sections[i];

		/* text, and __jump_table (key references) */
		if (!is_rela_section(rsec) || !rsec->base ||
		    (!is_text_section(rsec->base) && strcmp(rsec->base->name, "__jump_table")))
			continue;
		for (j = 0; j < rsec->nr_relocs; j++) {
			struct reloc *r = &rsec->relocs[j];
			unsigned char zero[KLPB_RELOC_SIZE(PS)] = { 0 };
			uint64_t off;

			if (r->deleted || strcmp(r->sym->name, name))
				continue;
			off = elf_section_append(recs, zero, sizeof(zero), 8);
			elf_add_reloc(recs, off + KLPB_RELOC_PLACE * PS, R_X86_64_64,
				      elf_section_symbol(elf, rsec->base), r->offset);
			add_str_field(off + KLPB_RELOC_NAME * PS, name);
			add_str_field(off + KLPB_RELOC_OBJNAME * PS, objname);
			add_str_field(off + KLPB_RELOC_OBJFILE * PS, objfile);
			elf_write_word(elf, recs->data + off + KLPB_RELOC_ADDEND * PS, PS, r->addend);
			elf_write_word(elf, recs->data + off + KLPB_RELOC_TYPE_OFF(PS), 4, r->type);
			elf_write_word(elf, recs->data + off + KLPB_RELOC_FLAGS_OFF(PS), 4,
				       atoi(local) ? KLPB_RELOC_F_LOCAL : 0);
			r->deleted = true;
			n++;
		}
	}
	if (!n) {
		ERROR("%s: no relocation against %s", elf->path, name);
		return -1;
	}
	/* the undefined symbol must go, or modpost wants it exported */
	for (sym = find_symbol(elf, name); sym; sym = find_symbol_next(sym))
		if (!sym->sec)
			sym->deleted = true;
	return 0;
}

int main(int argc, char **argv)
{
	struct elf *elf;
	size_t nsec;
	int i;

	klpb_prog = "mkrecs";
	if (argc < 4) {
		fprintf(stderr, "usage: mkrecs IN.o OUT.o NAME:OBJNAME:OBJFILE:LOCAL...\n");
		return 2;
	}
	elf = elf_read(argv[1]);
	if (!elf)
		return 1;
	nsec = elf->nr_sections;
	recs = elf_add_section(elf, KLPB_RELOCS_SECTION, SHT_PROGBITS, 0, 0, 8, NULL, 0);
	strs = elf_add_section(elf, KLPB_STRINGS_SECTION, SHT_PROGBITS, 0, 0, 1, NULL, 0);
	strsym = elf_section_symbol(elf, strs);
	for (i = 3; i < argc; i++)
		if (move_relocs(elf, nsec, argv[i]))
			return 1;
	return elf_write(elf, argv[2]) ? 1 : 0;
}
