// SPDX-License-Identifier: GPL-2.0
/*
 * Decode the records create-diff-object left in the linked module.
 *
 * The pointer fields of struct klpb_func / klpb_reloc hold no value in the
 * file: each is an absolute relocation (that survived `ld -r`), so a field is
 * read as "the target of the relocation at its offset", and a field without
 * relocation is NULL.  Layout: the word offsets of klpb-meta.h, in units of
 * the target's pointer size.
 */
#include <stdlib.h>
#include <string.h>

#include "klp-convert.h"
#include "klpb-meta.h"

/* Section and offset a pointer field points at; false if the field is NULL. */
static int field_target(struct section *sec, uint64_t off, struct section **tsec,
			uint64_t *toff)
{
	struct reloc *r = find_reloc(sec, off);
	uint64_t val;

	if (!r) {
		val = elf_read_word(sec->elf, sec->data + off, elf_addr_size(sec->elf));
		if (val) {
			ERROR_SEC(sec, "offset 0x%llx: pointer field without relocation",
				  (unsigned long long)off);
			return -1;
		}
		*tsec = NULL;
		return 0;
	}
	if (!r->sym->sec) {
		ERROR_SEC(sec, "offset 0x%llx: pointer field refers to undefined symbol %s",
			  (unsigned long long)off, r->sym->name);
		return -1;
	}
	*tsec = r->sym->sec;
	*toff = (r->sym->type == STT_SECTION ? 0 : r->sym->offset) + r->addend;
	return 0;
}

/*
 * A string field: NULL, or a NUL-terminated string inside its section.
 * Strings the running module reads (klpb_func) must be in an allocated
 * section; the .klp.relocs ones live in .klp.strings, removed afterwards.
 */
static int field_string(struct section *sec, uint64_t off, const char **str)
{
	struct section *tsec;
	uint64_t toff;

	*str = NULL;
	if (field_target(sec, off, &tsec, &toff))
		return -1;
	if (!tsec)
		return 0;
	if ((sec->sh.sh_flags & SHF_ALLOC) && !(tsec->sh.sh_flags & SHF_ALLOC)) {
		ERROR_SEC(sec, "offset 0x%llx: string field points into %s, which is not loaded",
			  (unsigned long long)off, tsec->name);
		return -1;
	}
	if (!tsec->data || toff >= tsec->size ||
	    !memchr(tsec->data + toff, 0, tsec->size - toff)) {
		ERROR_SEC(sec, "offset 0x%llx: string field points outside %s",
			  (unsigned long long)off, tsec->name);
		return -1;
	}
	*str = (const char *)tsec->data + toff;
	return 0;
}

static int check_section(struct section *sec, size_t recsize)
{
	if (sec->sh.sh_type == SHT_NOBITS || (sec->size && !sec->data) || sec->size % recsize) {
		ERROR_SEC(sec, "size %zu is not a multiple of the record size %zu",
			  sec->size, recsize);
		return -1;
	}
	return 0;
}

static int read_funcs(struct section *sec, struct records *recs)
{
	size_t ps = elf_addr_size(sec->elf), size = KLPB_FUNC_SIZE(ps), i;

	if (check_section(sec, size))
		return -1;
	recs->nr_funcs = sec->size / size;
	recs->func = xzalloc(recs->nr_funcs * sizeof(*recs->func));
	for (i = 0; i < recs->nr_funcs; i++) {
		struct func_rec *f = &recs->func[i];
		uint64_t off = i * size;

		f->offset = off;
		if (field_string(sec, off + KLPB_FUNC_OLD_NAME * ps, &f->old_name) ||
		    field_string(sec, off + KLPB_FUNC_OBJNAME * ps, &f->objname) ||
		    field_string(sec, off + KLPB_FUNC_OBJFILE * ps, &f->objfile))
			return -1;
		if (!f->old_name || !*f->old_name) {
			ERROR_SEC(sec, "entry %zu: no function name", i);
			return -1;
		}
		if (!find_reloc(sec, off + KLPB_FUNC_NEW_FUNC * ps)) {
			ERROR_SEC(sec, "entry %zu (%s): no new function", i, f->old_name);
			return -1;
		}
		/* "vmlinux" spelled out means the same as NULL */
		if (f->objname && !strcmp(f->objname, "vmlinux"))
			f->objname = NULL;
	}
	return 0;
}

static int read_relocs(struct section *sec, struct records *recs)
{
	size_t ps = elf_addr_size(sec->elf), size = KLPB_RELOC_SIZE(ps), i;

	if (check_section(sec, size))
		return -1;
	recs->nr_relocs = sec->size / size;
	recs->reloc = xzalloc(recs->nr_relocs * sizeof(*recs->reloc));
	for (i = 0; i < recs->nr_relocs; i++) {
		struct reloc_rec *r = &recs->reloc[i];
		uint64_t off = i * size;
		const unsigned char *p = sec->data + off;

		r->offset = off;
		if (field_target(sec, off + KLPB_RELOC_PLACE * ps, &r->sec, &r->place) ||
		    field_string(sec, off + KLPB_RELOC_NAME * ps, &r->name) ||
		    field_string(sec, off + KLPB_RELOC_OBJNAME * ps, &r->objname) ||
		    field_string(sec, off + KLPB_RELOC_OBJFILE * ps, &r->objfile))
			return -1;
		if (!r->sec) {
			ERROR_SEC(sec, "entry %zu: no place", i);
			return -1;
		}
		if (!r->name || !*r->name) {
			ERROR_SEC(sec, "entry %zu: no symbol name", i);
			return -1;
		}
		/* sign-extend the addend of a 32-bit target */
		r->addend = (int64_t)elf_read_word(sec->elf, p + KLPB_RELOC_ADDEND * ps, ps);
		if (ps == 4)
			r->addend = (int32_t)r->addend;
		r->type = elf_read_word(sec->elf, p + KLPB_RELOC_TYPE_OFF(ps), 4);
		r->flags = elf_read_word(sec->elf, p + KLPB_RELOC_FLAGS_OFF(ps), 4);
	}
	return 0;
}

int records_read(struct elf *elf, struct records *recs)
{
	memset(recs, 0, sizeof(*recs));
	recs->funcs = find_section(elf, KLPB_FUNCS_SECTION);
	recs->relocs = find_section(elf, KLPB_RELOCS_SECTION);
	if (!recs->funcs) {
		ERROR("%s: no %s section: not a module linked by klp-build",
		      elf->path, KLPB_FUNCS_SECTION);
		return -1;
	}
	if (read_funcs(recs->funcs, recs))
		return -1;
	if (recs->relocs && read_relocs(recs->relocs, recs))
		return -1;
	return 0;
}

/*
 * Does an entry of .klp.callbacks belong to objname?  (Callbacks of an
 * object whose functions the patch does not change: the in-module core
 * resolves that object too, slots included.)  -1 on a malformed entry.
 */
int records_callbacks_of(struct elf *elf, const char *objname)
{
	struct section *sec = find_section(elf, KLPB_CALLBACKS_SECTION);
	size_t ps = elf_addr_size(elf), size = KLPB_CB_NR_WORDS * ps, i;
	const char *name;

	if (!sec)
		return 0;
	if (check_section(sec, size))
		return -1;
	for (i = 0; i < sec->size / size; i++) {
		if (field_string(sec, i * size + KLPB_CB_OBJNAME * ps, &name))
			return -1;
		if (name && !strcmp(name, objname))
			return 1;
	}
	return 0;
}

void records_free(struct records *recs)
{
	free(recs->func);
	free(recs->reloc);
	memset(recs, 0, sizeof(*recs));
}
