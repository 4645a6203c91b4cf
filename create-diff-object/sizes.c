// SPDX-License-Identifier: GPL-2.0
/*
 * Entry sizes of special sections, read from klpb-sizes.o: an object the
 * driver compiles with the kernel's own flags, in which each
 * "const unsigned long klpb_size_<struct> = sizeof(struct <struct>);"
 * holds the size the running kernel's headers give.
 */
#include <stdio.h>

#include "cdo.h"

int sizes_lookup(const struct cdo *cdo, const char *name, uint64_t *size)
{
	char buf[128];
	struct symbol *sym;
	size_t w;

	if (!cdo->sizes)
		return -1;
	snprintf(buf, sizeof(buf), "klpb_size_%s", name);
	sym = find_symbol(cdo->sizes, buf);
	if (!sym || !sym->sec || !sym->sec->data)
		return -1;
	w = elf_addr_size(cdo->sizes);
	if (sym->offset + w > sym->sec->size)
		return -1;
	*size = elf_read_word(cdo->sizes, sym->sec->data + sym->offset, w);
	return 0;
}
