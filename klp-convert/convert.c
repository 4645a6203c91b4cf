// SPDX-License-Identifier: GPL-2.0
/*
 * Turn the records into the livepatch ELF format
 * (Documentation/livepatch/module-elf-format.rst):
 *
 * - every klpb_reloc becomes a relocation in .klp.rela.<obj>.<section>
 *   against .klp.sym.<obj>.<name>,<sympos> (SHN_LIVEPATCH), which the
 *   livepatch core resolves through kallsyms when <obj> is present;
 * - every klpb_func gets its sympos;
 * - the record sections, which the kernel does not need, are removed.
 *
 * Kernels without CONFIG_LIVEPATCH (--in-module-core, arm64 6.1/6.12): the
 * module loader never applies .klp.rela sections, so references to vmlinux
 * become ordinary relocations against an anchor (see anchor_reloc) and each
 * klpb_func gets its old function's address the same way.  References to
 * symbols of modules go through slots the core fills (slots.c: arm64, and
 * 32-bit arm, where the slots are literal words the core writes), and
 * a function of a module is found by the core from its record's name,
 * object and sympos when that module is there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klp-convert.h"
#include "klpb-meta.h"
#include "rel.h"

static struct section *klp_rela_section(struct elf *elf, const char *objname,
					struct section *base)
{
	struct section *rsec;
	char *name = xzalloc(strlen(objname) + strlen(base->name) + 16);

	sprintf(name, ".klp.rela.%s.%s", objname, base->name);
	rsec = find_section(elf, name);
	if (!rsec) {
		/* SHF_ALLOC: the livepatch core reads it after the load */
		rsec = elf_add_section(elf, name, SHT_RELA,
				       SHF_ALLOC | SHF_RELA_LIVEPATCH | SHF_INFO_LINK,
				       elf->elfclass == ELFCLASS64 ? sizeof(Elf64_Rela)
								   : sizeof(Elf32_Rela),
				       elf_addr_size(elf), NULL, 0);
		rsec->base = base;
		rsec->link = elf->symtab;
	} else if (!(rsec->sh.sh_flags & SHF_RELA_LIVEPATCH) || rsec->base != base) {
		ERROR_SEC(rsec, "exists but is no livepatch relocation section for %s",
			  base->name);
		rsec = NULL;
	}
	free(name);
	return rsec;
}

static struct symbol *klp_symbol(struct elf *elf, const struct symres *res,
				 const char *name)
{
	struct symbol *sym;
	char *kname = xzalloc(strlen(res->objname) + strlen(name) + 40);

	sprintf(kname, ".klp.sym.%s.%s,%lu", res->objname, name, res->sympos);
	for (sym = find_symbol(elf, kname); sym; sym = find_symbol_next(sym))
		if (!sym->sec && sym->shndx == SHN_LIVEPATCH)
			break;
	if (!sym)
		sym = elf_add_symbol(elf, kname, res->type == STT_FUNC ? STT_FUNC :
				     res->type == STT_OBJECT ? STT_OBJECT : STT_NOTYPE,
				     STB_GLOBAL, NULL, SHN_LIVEPATCH, 0, 0);
	free(kname);
	return sym;
}

/*
 * The kernel's parser, ".klp.sym.%55[^.].%511[^,],%lu", would silently cut
 * longer names (objname NULL: check the symbol name only).
 */
static int check_names(const struct elf *elf, const char *objname, const char *name)
{
	if (strlen(name) > KLPB_SYMNAME_MAX || strchr(name, ',')) {
		ERROR("%s: symbol name '%.40s...' (%zu characters) is longer than %d characters or contains ','",
		      elf->path, name, strlen(name), KLPB_SYMNAME_MAX);
		return -1;
	}
	if (objname && (strlen(objname) > KLPB_OBJNAME_MAX || strchr(objname, '.'))) {
		ERROR("%s: object name '%s' (of symbol %s) is longer than %d characters or contains '.'",
		      elf->path, objname, name, KLPB_OBJNAME_MAX);
		return -1;
	}
	return 0;
}

/*
 * Sections whose entries the kernel processes when the patch module loads
 * (jump_label_add_module, static_call_add_module at MODULE_STATE_COMING).
 * Livepatch relocations against vmlinux are applied before that, by the
 * module loader itself; those against another module only when that module
 * is there (klp_init_object_loaded), too late for these tables: a key
 * defined in a module cannot be used from patched code this way.
 */
static const struct {
	const char *section;
	const char *what;	/* what the referenced symbol is */
	const char *hint;
} load_time_tables[] = {
	{ "__jump_table", "static key",
	  "test the key with static_key_enabled() instead of static_branch_*()/static_key_*() branches" },
	{ ".static_call_sites", "static call key",
	  "call the target through a function pointer read with static_call_query()" },
};

static int check_load_time_table(struct elf *elf, const struct reloc_rec *rec,
				 const char *objname)
{
	size_t i;

	if (!strcmp(objname, "vmlinux"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(load_time_tables); i++) {
		if (strcmp(rec->sec->name, load_time_tables[i].section))
			continue;
		ERROR("%s: %s+0x%llx: %s %s is defined in module %s; the kernel sets up %s entries before it can resolve symbols of other modules (hint: %s)",
		      elf->path, rec->sec->name, (unsigned long long)rec->place,
		      load_time_tables[i].what, rec->name, objname, rec->sec->name,
		      load_time_tables[i].hint);
		return -1;
	}
	return 0;
}

/*
 * The anchor of --in-module-core references: an exported vmlinux function
 * the in-module core itself calls, so the linked module already imports it
 * (with its CRC under MODVERSIONS) and the loader resolves it.  vmlinux is
 * relocated as one block (KASLR moves the whole image by one offset: arm64
 * head.S __relocate_kernel, 6.12 pi/relocate.c), so for any vmlinux symbol
 * run(sym) = run(anchor) + (link(sym) - link(anchor)): a relocation against
 * the anchor with that distance added to its addend is applied by the loader
 * like any other, before the module's text becomes read-only (branches get
 * a module PLT when far).  The core checks every function address with
 * sprint_symbol() before it redirects anything.
 */
#define KLPB_ANCHOR "register_ftrace_function"

struct anchor {
	struct symbol *sym;	/* the module's undefined symbol */
	uint64_t addr;		/* its link-time address in vmlinux */
	struct slots *slots;	/* references to symbols of modules */
	/*
	 * REL objects (32-bit arm): the distance lives in the relocated
	 * field, and a branch's field holds only +-32 MB.  Every vmlinux
	 * symbol the module imports anyway is an anchor too; the nearest
	 * whose distance fits is taken.
	 */
	struct anchor_alt {
		struct symbol *sym;
		uint64_t addr;
	} *alt;
	size_t nr_alt;
};

static int find_anchor(struct elf *elf, struct symdb *db, struct anchor *a)
{
	struct symbol *sym;

	for (sym = find_symbol(elf, KLPB_ANCHOR); sym; sym = find_symbol_next(sym))
		if (!sym->sec && sym->shndx == SHN_UNDEF && sym->bind == STB_GLOBAL)
			break;
	if (!sym) {
		ERROR("%s: no undefined symbol %s: the in-module core (kmod-template/klpb-ftrace.c) calls it, and references to vmlinux are written relative to it (module not linked with that core?)",
		      elf->path, KLPB_ANCHOR);
		return -1;
	}
	a->sym = sym;
	a->alt = NULL;
	a->nr_alt = 0;
	if (symdb_vmlinux_global(db, KLPB_ANCHOR, &a->addr))
		return -1;
	if (!elf->rel)
		return 0;
	a->alt = xzalloc(elf->nr_symbols * sizeof(*a->alt));
	for (size_t i = 1; i < elf->nr_symbols; i++) {
		struct symbol *u = elf->symbols[i];
		uint64_t addr;

		if (u->deleted || u->sec || u->shndx != SHN_UNDEF || u->bind != STB_GLOBAL ||
		    u == sym || symdb_vmlinux_find(db, u->name, &addr))
			continue;
		a->alt[a->nr_alt].sym = u;
		a->alt[a->nr_alt++].addr = addr;
	}
	return 0;
}

/* an ordinary relocation to vmlinux symbol res at place of sec, --in-module-core */
static int anchor_reloc(const struct anchor *a, struct section *sec, uint64_t place,
			unsigned int type, const struct symres *res, int64_t addend)
{
	unsigned int mach = sec->elf->ehdr.e_machine;
	int64_t d = addend + (int64_t)(res->addr - a->addr), dd;
	struct symbol *sym = a->sym;
	size_t i;

	if (sec->elf->rel && !rel_addend_fits(mach, type, d)) {
		int64_t best = 0;

		sym = NULL;
		for (i = 0; i < a->nr_alt; i++) {
			dd = addend + (int64_t)(res->addr - a->alt[i].addr);
			if (rel_addend_fits(mach, type, dd) &&
			    (!sym || (dd < 0 ? -dd : dd) < (best < 0 ? -best : best))) {
				sym = a->alt[i].sym;
				best = dd;
			}
		}
		if (!sym) {
			ERROR("%s: %s+0x%llx: relocation type %u to vmlinux address 0x%llx (+%lld): no vmlinux symbol the module imports is near enough for the distance to fit the field",
			      sec->elf->path, sec->name, (unsigned long long)place, type,
			      (unsigned long long)res->addr, (long long)addend);
			return -1;
		}
		d = best;
	}
	elf_add_reloc(sec, place, type, sym, d);
	return 0;
}

/*
 * The core's own needs that vmlinux does not export (find_module,
 * module_mutex): each word KLPB_KADDR_PREFIX<name> it defines gets <name>'s
 * address as an anchor relocation; the core checks them with
 * sprint_symbol() like the functions' addresses.
 */
static int core_kaddrs(struct elf *elf, const struct arch *arch, struct symdb *db,
		       const struct anchor *a)
{
	size_t i, n = strlen(KLPB_KADDR_PREFIX);
	int ret = 0;

	for (i = 0; i < elf->nr_symbols; i++) {
		struct symbol *sym = elf->symbols[i];
		struct symres res = { .objname = "vmlinux" };

		if (!sym || sym->deleted || !sym->sec || sym->type != STT_OBJECT ||
		    strncmp(sym->name, KLPB_KADDR_PREFIX, n))
			continue;
		if (sym->size != elf_addr_size(elf) || !sym->sec->data ||
		    find_reloc(sym->sec, sym->offset)) {
			ERROR("%s: %s is not a pointer-sized initialised word without relocation",
			      elf->path, sym->name);
			ret = -1;
			continue;
		}
		if (symdb_vmlinux_global(db, sym->name + n, &res.addr)) {
			ret = -1;
			continue;
		}
		if (anchor_reloc(a, sym->sec, sym->offset, arch->abs_reloc, &res, 0))
			ret = -1;
	}
	return ret;
}

static int convert_reloc(struct elf *elf, const struct arch *arch, struct symdb *db,
			 struct reloc_rec *rec, const struct anchor *anchor)
{
	struct symreq req = {
		.name = rec->name,
		.objname = rec->objname,
		.objfile = rec->objfile,
		.local = rec->flags & KLPB_RELOC_F_LOCAL,
	};
	unsigned int size = arch->reloc_size(rec->type), type = rec->type;
	struct section *rsec;
	struct symbol *sym;
	struct symres res;

	if (!size) {
		ERROR("%s: %s+0x%llx: unsupported relocation type %u for symbol %s",
		      elf->path, rec->sec->name, (unsigned long long)rec->place,
		      rec->type, rec->name);
		return -1;
	}
	if (!rec->sec->data || rec->place > rec->sec->size ||
	    size > rec->sec->size - rec->place) {
		ERROR("%s: %s+0x%llx: relocation place outside the section (symbol %s)",
		      elf->path, rec->sec->name, (unsigned long long)rec->place, rec->name);
		return -1;
	}
	if (find_reloc_range(rec->sec, rec->place, rec->place + size)) {
		ERROR("%s: %s+0x%llx: place of %s already has a relocation",
		      elf->path, rec->sec->name, (unsigned long long)rec->place, rec->name);
		return -1;
	}
	/* the loader skips relocations of sections it does not load */
	if (!(rec->sec->sh.sh_flags & SHF_ALLOC)) {
		ERROR("%s: %s+0x%llx: relocation for %s in a section that is not loaded",
		      elf->path, rec->sec->name, (unsigned long long)rec->place, rec->name);
		return -1;
	}
	/*
	 * A global of unknown owner that the patch module itself defines: a
	 * new function or object of another changed file of the same patch.
	 * The module link could not see it (create-diff-object turned the
	 * reference into a record), so it becomes an ordinary relocation.
	 */
	if (!rec->objname && !req.local) {
		for (sym = find_symbol(elf, rec->name); sym; sym = find_symbol_next(sym))
			if (sym->sec && sym->bind != STB_LOCAL)
				break;
		if (sym) {
			elf_add_reloc(rec->sec, rec->place, rec->type, sym, rec->addend);
			if (!arch->reloc_field_in_insn)
				memset(rec->sec->data + rec->place, 0, size);
			return 0;
		}
	}
	if (check_names(elf, NULL, rec->name) || symdb_resolve(db, &req, &res))
		return -1;
	if (check_names(elf, res.objname, rec->name))
		return -1;
	if (anchor) {
		if (strcmp(res.objname, "vmlinux")) {
			if (str_starts(rec->sec->name, ".init")) {
				ERROR("%s: %s+0x%llx: reference to %s of module %s in an init section",
				      elf->path, rec->sec->name, (unsigned long long)rec->place,
				      rec->name, res.objname);
				return -1;
			}
			if (check_load_time_table(elf, rec, res.objname))
				return -1;
			rec->klp_objname = res.objname;
			rec->sympos = res.sympos;
			return slots_reloc(anchor->slots, rec, &res);
		}
		if (anchor_reloc(anchor, rec->sec, rec->place, type, &res, rec->addend))
			return -1;
		if (!arch->reloc_field_in_insn)
			memset(rec->sec->data + rec->place, 0, size);
		return 0;
	}
	/* a module's relocations may be applied long after init memory is gone */
	if (strcmp(res.objname, "vmlinux") && str_starts(rec->sec->name, ".init")) {
		ERROR("%s: %s+0x%llx: relocation for %s of module %s in an init section, which is freed before the module may load",
		      elf->path, rec->sec->name, (unsigned long long)rec->place, rec->name,
		      res.objname);
		return -1;
	}

	if (check_load_time_table(elf, rec, res.objname))
		return -1;
	/*
	 * A module's livepatch relocations are applied again each time it
	 * loads: the arch may need another form for them than for vmlinux
	 * (s390: no GOT slot, the loader fills one only once).
	 */
	if (arch->outside_reloc && strcmp(res.objname, "vmlinux")) {
		const char *why = NULL;
		int form = arch->outside_reloc(rec->sec, rec->place, type, false, &why);

		if (form < 0) {
			ERROR("%s: %s+0x%llx: reference to %s of module %s: %s", elf->path,
			      rec->sec->name, (unsigned long long)rec->place, rec->name,
			      res.objname, why);
			return -1;
		}
		type = form;
	}
	rsec = klp_rela_section(elf, res.objname, rec->sec);
	if (!rsec)
		return -1;
	sym = klp_symbol(elf, &res, rec->name);
	/* into the .klp.rela section itself: elf_add_reloc() would use
	 * base->rela, the section's ordinary .rela section when it has one */
	elf_append_reloc(rsec, rec->place, type, sym, rec->addend);
	rec->klp_objname = res.objname;
	rec->sympos = res.sympos;
	/* x86 apply_relocate_add refuses a place that is not zero; RELA keeps
	 * the addend in the relocation, so the bytes carry nothing */
	if (!arch->reloc_field_in_insn)
		memset(rec->sec->data + rec->place, 0, size);
	return 0;
}

static int convert_func(struct elf *elf, const struct arch *arch, struct symdb *db,
			struct section *funcs, struct func_rec *rec,
			const struct anchor *anchor)
{
	struct symreq req = {
		.name = rec->old_name,
		.objname = objname_str(rec->objname),
		.objfile = rec->objfile,
		.func = true,
	};
	size_t ps = elf_addr_size(elf);
	struct symres res;

	if (check_names(elf, NULL, rec->old_name) || symdb_resolve(db, &req, &res))
		return -1;
	if (check_names(elf, res.objname, rec->old_name))
		return -1;
	/* klpb-core passes the string on as klp_object.name: it must be exact */
	if (rec->objname && strcmp(rec->objname, res.objname)) {
		ERROR("%s: function %s: object name '%s' must be spelled '%s' (the name the kernel gives the module)",
		      elf->path, rec->old_name, rec->objname, res.objname);
		return -1;
	}
	elf_write_word(elf, funcs->data + rec->offset + KLPB_FUNC_SYMPOS * ps, ps,
		       res.sympos);
	/* a module's function: the core finds it (objname, name, sympos) */
	if (anchor && !strcmp(res.objname, "vmlinux") &&
	    anchor_reloc(anchor, funcs, rec->offset + KLPB_FUNC_OLD_ADDR * ps,
			 arch->abs_reloc, &res, 0))
		return -1;
	rec->sympos = res.sympos;
	return 0;
}

/* Relocations for an object only get applied if the patch has that object. */
static int check_objects(struct elf *elf, const struct records *recs)
{
	size_t i, j;
	int ret = 0;

	for (i = 1; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];
		const char *obj;
		size_t len;

		if (sec->deleted || !(sec->sh.sh_flags & SHF_RELA_LIVEPATCH))
			continue;
		if (!str_starts(sec->name, ".klp.rela.")) {
			ERROR_SEC(sec, "flag SHF_RELA_LIVEPATCH without the name .klp.rela.<object>.<section>");
			ret = -1;
			continue;
		}
		obj = sec->name + strlen(".klp.rela.");
		len = strcspn(obj, ".");
		if (len == 7 && !strncmp(obj, "vmlinux", 7))
			continue;	/* applied when the patch module loads */
		for (j = 0; j < recs->nr_funcs; j++) {
			const char *o = recs->func[j].objname;

			if (o && strlen(o) == len && !strncmp(o, obj, len))
				break;
		}
		if (j == recs->nr_funcs) {
			ERROR_SEC(sec, "the patch changes no function of %.*s, so the kernel would never apply these relocations",
				  (int)len, obj);
			ret = -1;
		}
	}
	return ret;
}

int convert(struct elf *elf, const struct arch *arch, struct symdb *db,
	    struct records *recs, bool in_module_core)
{
	struct anchor a, *anchor = NULL;
	struct section *strings;
	size_t i;
	int ret = 0;

	if (in_module_core) {
		if (find_anchor(elf, db, &a) || core_kaddrs(elf, arch, db, &a))
			return -1;
		a.slots = slots_new(elf);
		anchor = &a;
	}

	/* announce the local names first: they pick the STT_FILE blocks */
	for (i = 0; i < recs->nr_relocs; i++) {
		const struct reloc_rec *r = &recs->reloc[i];

		if (r->flags & KLPB_RELOC_F_LOCAL)
			symdb_need(db, r->objname, r->objfile, r->name, false);
	}
	for (i = 0; i < recs->nr_funcs; i++) {
		const struct func_rec *f = &recs->func[i];

		symdb_need(db, objname_str(f->objname), f->objfile, f->old_name, true);
	}

	/* keep going after an error: report every unresolvable symbol at once */
	for (i = 0; i < recs->nr_relocs; i++)
		if (convert_reloc(elf, arch, db, &recs->reloc[i], anchor))
			ret = -1;
	for (i = 0; i < recs->nr_funcs; i++)
		if (convert_func(elf, arch, db, recs->funcs, &recs->func[i], anchor))
			ret = -1;
	if (!ret && anchor)
		ret = slots_finish(anchor->slots, recs);
	if (anchor) {
		slots_free(anchor->slots);
		free(anchor->alt);
	}
	if (ret)
		return ret;
	if (check_objects(elf, recs))
		return -1;

	/* the kernel needs none of this; their rela sections go with them */
	if (recs->relocs)
		recs->relocs->deleted = true;
	strings = find_section(elf, KLPB_STRINGS_SECTION);
	if (strings)
		strings->deleted = true;
	return 0;
}

/*
 * "function OBJNAME NAME SYMPOS OBJFILE" per .klp.funcs entry and
 * "symbol OBJNAME NAME SYMPOS OBJFILE" per .klp.sym symbol (OBJFILE "-"
 * when the record names none); the driver's --report reads them.
 */
void convert_list(FILE *f, const struct records *recs)
{
	size_t i, j;

	for (i = 0; i < recs->nr_funcs; i++) {
		const struct func_rec *r = &recs->func[i];

		fprintf(f, "function %s %s %lu %s\n", objname_str(r->objname), r->old_name,
			r->sympos, r->objfile ? r->objfile : "-");
	}
	for (i = 0; i < recs->nr_relocs; i++) {
		const struct reloc_rec *r = &recs->reloc[i];

		if (!r->klp_objname)
			continue;
		for (j = 0; j < i; j++) {
			const struct reloc_rec *o = &recs->reloc[j];

			if (o->klp_objname && o->sympos == r->sympos &&
			    !strcmp(o->klp_objname, r->klp_objname) && !strcmp(o->name, r->name))
				break;
		}
		if (j < i)
			continue;
		fprintf(f, "symbol %s %s %lu %s\n", r->klp_objname, r->name, r->sympos,
			r->objfile ? r->objfile : "-");
	}
}
