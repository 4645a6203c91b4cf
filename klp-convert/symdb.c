// SPDX-License-Identifier: GPL-2.0
/*
 * The symbol tables of the original kernel, seen the way the livepatch core
 * sees them when it resolves "name,sympos" (kernel/livepatch/core.c,
 * klp_find_object_symbol):
 *
 * vmlinux: kallsyms_on_each_symbol() walks the kallsyms table, which
 *   scripts/kallsyms built from `nm -n` (address order) after
 *   scripts/mksysmap dropped local absolute, undefined, debugging and weak
 *   undefined symbols and a few name patterns.  With KALLSYMS_ALL (which
 *   LIVEPATCH depends on) every remaining allocated symbol is kept.  Same-named
 *   symbols are therefore counted in address order.
 *
 * a module: module_kallsyms_on_each_symbol() walks the module's own symbol
 *   table in file order, skipping SHN_UNDEF.  Which table depends on when the
 *   lookup happens: while the module is coming (a patch applied when it
 *   loads) it is the full table; after its init it is the core table
 *   (kernel/module/kallsyms.c is_core_symbol: named, in an allocated non-init
 *   section).  A position is only usable if it is the same in both.
 *
 * Local symbols carry no object name.  In a linked file each input object's
 * locals follow its STT_FILE symbol, so a local is attributed to the object
 * whose source basename the block carries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klp-convert.h"

/* a local name some record looks for in an object file's block */
struct need {
	char *objfile;
	char *name;
	bool maybe;		/* may be global instead (function records) */
};

/* block chosen for an object file (cached) */
struct choice {
	char *objfile;
	int block;		/* -1: none could be chosen */
	int nr_named;		/* blocks named like objfile */
	int nr_left;		/* of those, fitting */
	bool reported;
};

struct kobj {
	char *name;		/* "vmlinux" or the module name */
	char *path;
	const char *build;	/* the build dir (original objects) */
	bool vmlinux;
	struct elf *elf;	/* loaded on first use */
	bool load_failed;

	int *block;		/* per symbol index: STT_FILE block, -1 = none */
	char **block_file;	/* per block: the STT_FILE name */
	size_t nr_blocks;

	struct need *needs;
	size_t nr_needs;
	struct choice *choices;
	size_t nr_choices;
};

/* a request already answered (many relocations share a symbol) */
struct memo {
	struct symreq req;	/* strings owned */
	struct symres res;
	int ret;
	size_t next;		/* next memo of the hash bucket + 1, 0: none */
};

struct symdb {
	char *build;
	struct memo *memo;
	size_t nr_memo, alloc_memo;
	size_t *memo_hash;	/* buckets: first memo + 1, 0: empty */
	size_t memo_hash_size;	/* a power of two, at least alloc_memo */
	struct kobj vmlinux;
	struct kobj *mods;	/* in modules.order order */
	size_t nr_mods;
};

/* ---- loading ------------------------------------------------------------ */

static char *path_join(const char *dir, const char *file)
{
	char *p = xzalloc(strlen(dir) + strlen(file) + 2);

	sprintf(p, "%s/%s", dir, file);
	return p;
}

/* modules.order: "path/x.ko" (6.1) or "path/x.o" (6.12) */
static int read_modules_order(struct symdb *db)
{
	char *path = path_join(db->build, "modules.order"), line[4096];
	size_t alloc = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		/* a kernel without modules has no modules.order */
		INFO("%s: %s: assuming no modules", path, strerror(errno));
		free(path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct kobj *m;
		char *base, *p;

		line[strcspn(line, "\r\n")] = 0;
		if (!*line)
			continue;
		if (str_ends(line, ".o"))
			strcpy(line + strlen(line) - 2, ".ko");
		if (!str_ends(line, ".ko")) {
			ERROR("%s: unexpected line '%s'", path, line);
			fclose(f);
			free(path);
			return -1;
		}
		if (db->nr_mods == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			db->mods = xrealloc(db->mods, alloc * sizeof(*db->mods));
		}
		m = &db->mods[db->nr_mods++];
		memset(m, 0, sizeof(*m));
		m->path = path_join(db->build, line);
		m->build = db->build;
		/* KBUILD_MODNAME: file name without .ko, '-' becomes '_' */
		base = strrchr(line, '/');
		m->name = xstrdup(base ? base + 1 : line);
		m->name[strlen(m->name) - 3] = 0;
		for (p = m->name; *p; p++)
			if (*p == '-')
				*p = '_';
	}
	fclose(f);
	free(path);
	return 0;
}

struct symdb *symdb_open(const char *build)
{
	struct symdb *db = xzalloc(sizeof(*db));

	db->build = xstrdup(build);
	db->vmlinux.name = xstrdup("vmlinux");
	db->vmlinux.path = path_join(build, "vmlinux");
	db->vmlinux.vmlinux = true;
	db->vmlinux.build = db->build;
	if (read_modules_order(db)) {
		symdb_free(db);
		return NULL;
	}
	return db;
}

static void kobj_free(struct kobj *k)
{
	size_t i;

	elf_free(k->elf);
	for (i = 0; i < k->nr_blocks; i++)
		free(k->block_file[i]);
	for (i = 0; i < k->nr_needs; i++) {
		free(k->needs[i].objfile);
		free(k->needs[i].name);
	}
	for (i = 0; i < k->nr_choices; i++)
		free(k->choices[i].objfile);
	free(k->block_file);
	free(k->block);
	free(k->needs);
	free(k->choices);
	free(k->name);
	free(k->path);
}

void symdb_free(struct symdb *db)
{
	size_t i;

	if (!db)
		return;
	kobj_free(&db->vmlinux);
	for (i = 0; i < db->nr_memo; i++) {
		free((char *)db->memo[i].req.name);
		free((char *)db->memo[i].req.objname);
		free((char *)db->memo[i].req.objfile);
	}
	free(db->memo);
	free(db->memo_hash);
	for (i = 0; i < db->nr_mods; i++)
		kobj_free(&db->mods[i]);
	free(db->mods);
	free(db->build);
	free(db);
}

/* Attribute every local symbol to the STT_FILE block it follows. */
static void index_blocks(struct kobj *k)
{
	struct elf *elf = k->elf;
	int cur = -1;
	size_t i;

	k->block = xzalloc(elf->nr_symbols * sizeof(*k->block));
	for (i = 0; i < elf->nr_symbols; i++) {
		struct symbol *sym = elf->symbols[i];

		if (sym->type == STT_FILE) {
			k->block_file = xrealloc(k->block_file,
						 (k->nr_blocks + 1) * sizeof(*k->block_file));
			k->block_file[k->nr_blocks] = xstrdup(sym->name);
			cur = k->nr_blocks++;
		}
		k->block[i] = sym->bind == STB_LOCAL ? cur : -1;
	}
}

static int kobj_load(struct kobj *k)
{
	if (k->elf)
		return 0;
	if (k->load_failed)
		return -1;
	INFO("reading %s", k->path);
	k->elf = elf_read_symbols(k->path);
	if (!k->elf) {
		k->load_failed = true;
		return -1;
	}
	index_blocks(k);
	return 0;
}

/* module names compare like the kernel's: '-' and '_' are the same */
static bool modname_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static struct kobj *find_kobj(struct symdb *db, const char *objname)
{
	size_t i;

	if (!strcmp(objname, "vmlinux"))
		return &db->vmlinux;
	for (i = 0; i < db->nr_mods; i++)
		if (modname_eq(db->mods[i].name, objname))
			return &db->mods[i];
	return NULL;
}

/* ---- what kallsyms sees ------------------------------------------------- */

static bool vmlinux_visible(const struct symbol *sym)
{
	static const char *const prefixes[] = {
		/* scripts/mksysmap */
		"$", ".L", "__crc_", "__kstrtab_", "__kstrtabns_",
		/* scripts/kallsyms.c */
		"__efistub_", "__kvm_nvhe_$", "__kvm_nvhe_.L", "__AArch64ADRPThunk_",
		"__ARMV5PILongThunk_", "__ARMV7PILongThunk_", "__ThumbV7PILongThunk_",
		"__LA25Thunk_", "__microLA25Thunk_", "__kcfi_typeid_",
	};
	static const char *const names[] = {
		/* scripts/mksysmap */
		"L0",
		/* scripts/kallsyms.c: its own tables, which vary between passes */
		"kallsyms_addresses", "kallsyms_offsets", "kallsyms_relative_base",
		"kallsyms_num_syms", "kallsyms_names", "kallsyms_markers",
		"kallsyms_token_table", "kallsyms_token_index", "kallsyms_seqs_of_names",
		"_SDA_BASE_", "_SDA2_BASE_",
	};
	size_t i;

	/* undefined, absolute ('a'/'A') and common symbols are dropped */
	if (!sym->sec || sym->type == STT_SECTION || sym->type == STT_FILE)
		return false;
	/* debugging symbols ('N'/'n'): not in an allocated section */
	if (!(sym->sec->sh.sh_flags & SHF_ALLOC) || !*sym->name)
		return false;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_starts(sym->name, prefixes[i]))
			return false;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(sym->name, names[i]))
			return false;
	return true;
}

/* the module's full table while it is coming: anything not SHN_UNDEF */
static bool module_full_visible(const struct symbol *sym)
{
	if (sym->type == STT_SECTION)	/* st_name 0: never matches a name */
		return false;
	return sym->sec || sym->shndx != SHN_UNDEF;
}

/* the core table after init (is_core_symbol with KALLSYMS_ALL) */
static bool module_core_visible(const struct symbol *sym)
{
	if (!sym->sec || sym->type == STT_SECTION || !*sym->name)
		return false;
	if (!(sym->sec->sh.sh_flags & SHF_ALLOC))
		return false;
	/*
	 * module_init_layout_section(): ".init*"; ".exit*" too on kernels
	 * without MODULE_UNLOAD, which livepatch setups do not use.
	 */
	return !str_starts(sym->sec->name, ".init");
}

static bool is_global(const struct symbol *sym)
{
	return sym->bind == STB_GLOBAL || sym->bind == STB_WEAK;
}

static int cmp_kallsyms(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol * const *)a;
	const struct symbol *y = *(struct symbol * const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* scripts/kallsyms.c compare_symbols: weak ones last */
	if ((x->bind == STB_WEAK) != (y->bind == STB_WEAK))
		return x->bind == STB_WEAK ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The symbols named name in the order the kernel walks them (vmlinux:
 * address order; module: full table order).  Caller frees.
 */
static struct symbol **candidates(struct kobj *k, const char *name, size_t *nr)
{
	struct symbol **v = NULL, *sym;
	size_t n = 0;

	for (sym = find_symbol(k->elf, name); sym; sym = find_symbol_next(sym)) {
		if (k->vmlinux ? !vmlinux_visible(sym) : !module_full_visible(sym))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = sym;
	}
	if (k->vmlinux && n > 1)
		qsort(v, n, sizeof(*v), cmp_kallsyms);
	*nr = n;
	return v;
}

/* ---- STT_FILE blocks ---------------------------------------------------- */

/* "fs/proc/cmdline.o" and "cmdline.c" share the stem "cmdline" */
static size_t stem(const char *path, const char **start)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	*start = base;
	return dot ? (size_t)(dot - base) : strlen(base);
}

static bool block_matches(const struct kobj *k, int b, const char *objfile)
{
	const char *s1, *s2;
	size_t l1 = stem(objfile, &s1), l2 = stem(k->block_file[b], &s2);

	return l1 == l2 && !strncmp(s1, s2, l1);
}

static bool block_has_local(const struct kobj *k, int b, const char *name)
{
	struct symbol *sym;

	for (sym = find_symbol(k->elf, name); sym; sym = find_symbol_next(sym))
		if (sym->type != STT_SECTION && sym->type != STT_FILE &&
		    k->block[sym->idx] == b)
			return true;
	return false;
}

void symdb_need(struct symdb *db, const char *objname, const char *objfile,
		const char *name, bool maybe)
{
	struct kobj *k = find_kobj(db, objname ? objname : "vmlinux");
	struct need *n;

	if (!k || !objfile)
		return;		/* reported when the record is resolved */
	k->needs = xrealloc(k->needs, (k->nr_needs + 1) * sizeof(*k->needs));
	n = &k->needs[k->nr_needs++];
	n->objfile = xstrdup(objfile);
	n->name = xstrdup(name);
	n->maybe = maybe;
}

static bool is_plain_local(const struct symbol *sym)
{
	return sym->bind == STB_LOCAL && sym->type != STT_SECTION &&
	       sym->type != STT_FILE && *sym->name;
}

/*
 * Several blocks still fit: compare with the original object itself
 * (BUILD/objfile), which is what the block was linked from.  A block
 * qualifies if every local it holds is a local of the object (the link may
 * drop some of the object's locals, never add any); of those, the one sharing
 * the most names wins if it is the only one.
 */
static void filter_by_object(struct kobj *k, const char *objfile, int *cand, int nc)
{
	char *path = path_join(k->build, objfile);
	int j, best = -1, nbest = 0, *score;
	struct elf *obj;
	size_t i;

	obj = elf_read_symbols(path);
	free(path);
	if (!obj)
		return;		/* elf_read said why; the caller reports ambiguity */
	score = xzalloc(nc * sizeof(*score));
	for (i = 0; i < k->elf->nr_symbols; i++) {
		struct symbol *sym = k->elf->symbols[i], *o;
		int b = k->block[i];

		if (b < 0 || !is_plain_local(sym))
			continue;
		for (j = 0; j < nc; j++) {
			if (cand[j] != b)
				continue;
			for (o = find_symbol(obj, sym->name); o; o = find_symbol_next(o))
				if (is_plain_local(o))
					break;
			if (o)
				score[j]++;
			else
				cand[j] = -1;	/* a local the object does not have */
		}
	}
	for (j = 0; j < nc; j++) {
		if (cand[j] < 0)
			continue;
		if (score[j] > best) {
			best = score[j];
			nbest = 0;
		}
		if (score[j] == best)
			nbest++;
	}
	for (j = 0; j < nc; j++)
		if (cand[j] >= 0 && (nbest != 1 || score[j] != best))
			cand[j] = nbest > 1 && score[j] == best ? cand[j] : -1;
	free(score);
	elf_free(obj);
}

/*
 * The STT_FILE block of objfile in k: the only block with its source name,
 * else the only one holding every local name the records need from objfile,
 * else the one matching the original object's locals.
 * quiet: report nothing (the caller has another way).
 */
static int choose_block(struct kobj *k, const char *objfile, bool quiet)
{
	int *cand = NULL, nc = 0, b, left;
	struct choice *c;
	size_t i;

	for (i = 0; i < k->nr_choices; i++)
		if (!strcmp(k->choices[i].objfile, objfile)) {
			c = &k->choices[i];
			goto report;
		}

	for (b = 0; b < (int)k->nr_blocks; b++)
		if (block_matches(k, b, objfile)) {
			cand = xrealloc(cand, (nc + 1) * sizeof(*cand));
			cand[nc++] = b;
		}

	if (nc > 1) {
		for (i = 0; i < k->nr_needs; i++) {
			struct need *n = &k->needs[i];
			bool anywhere = false;
			int j;

			if (strcmp(n->objfile, objfile))
				continue;
			for (j = 0; j < nc && !anywhere; j++)
				anywhere = cand[j] >= 0 && block_has_local(k, cand[j], n->name);
			/* a maybe-global name that is no local here is global */
			if (n->maybe && !anywhere)
				continue;
			for (j = 0; j < nc; j++)
				if (cand[j] >= 0 && !block_has_local(k, cand[j], n->name))
					cand[j] = -1;
		}
	}
	for (b = -1, left = 0, i = 0; i < (size_t)nc; i++)
		if (cand[i] >= 0) {
			b = cand[i];
			left++;
		}
	if (left > 1) {
		filter_by_object(k, objfile, cand, nc);
		for (b = -1, left = 0, i = 0; i < (size_t)nc; i++)
			if (cand[i] >= 0) {
				b = cand[i];
				left++;
			}
	}
	free(cand);

	k->choices = xrealloc(k->choices, (k->nr_choices + 1) * sizeof(*k->choices));
	c = &k->choices[k->nr_choices++];
	memset(c, 0, sizeof(*c));
	c->objfile = xstrdup(objfile);
	c->block = left == 1 ? b : -1;
	c->nr_named = nc;
	c->nr_left = left;
report:
	/* once per object file, not once per symbol */
	if (c->block < 0 && !quiet && !c->reported) {
		c->reported = true;
		if (!c->nr_named)
			ERROR("%s: no STT_FILE symbol for %s: cannot attribute its local symbols",
			      k->path, objfile);
		else if (!c->nr_left)
			ERROR("%s: %d STT_FILE blocks are named like %s, none holds all the local symbols the patch needs from it",
			      k->path, c->nr_named, objfile);
		else
			ERROR("%s: %d STT_FILE blocks are named like %s, hold all the local symbols the patch needs from it and match %s/%s equally: ambiguous",
			      k->path, c->nr_left, objfile, k->build, objfile);
	}
	return c->block;
}

/* ---- resolving ---------------------------------------------------------- */

/* the one candidate matching: local in block b (b >= 0) or global (b < 0) */
static struct symbol *pick(struct kobj *k, struct symbol **cand, size_t n, int b,
			   size_t *count)
{
	struct symbol *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++) {
		struct symbol *s = cand[i];

		if (b >= 0 ? (s->bind == STB_LOCAL && k->block[s->idx] == b) : is_global(s)) {
			found = s;
			(*count)++;
		}
	}
	return found;
}

/* kobj k holds what req asks for (used to find an unknown owner) */
static bool kobj_has(struct kobj *k, const struct symreq *req)
{
	struct symbol **cand;
	size_t n, i, count = 0;

	if (kobj_load(k) || (req->local && !req->objfile))
		return false;
	cand = candidates(k, req->name, &n);
	for (i = 0; i < n; i++) {
		struct symbol *s = cand[i];

		if (req->local ? (s->bind == STB_LOCAL && k->block[s->idx] >= 0 &&
				  block_matches(k, k->block[s->idx], req->objfile))
			       : is_global(s))
			count++;
	}
	free(cand);
	return count > 0;
}

static struct kobj *find_owner(struct symdb *db, const struct symreq *req)
{
	struct kobj *found = NULL;
	size_t i, nfound = 0;

	if (kobj_load(&db->vmlinux))
		return NULL;
	if (kobj_has(&db->vmlinux, req))
		return &db->vmlinux;
	for (i = 0; i < db->nr_mods; i++) {
		if (!kobj_has(&db->mods[i], req)) {
			if (db->mods[i].load_failed)
				return NULL;
			continue;
		}
		if (nfound++)
			ERROR("%s: %s symbol '%s' is defined by modules %s and %s: give its owner",
			      db->build, req->local ? "local" : "global", req->name,
			      found->name, db->mods[i].name);
		found = &db->mods[i];
	}
	if (!nfound)
		ERROR("%s: %s symbol '%s'%s%s not found in vmlinux or in any module of modules.order",
		      db->build, req->local ? "local" : "global", req->name,
		      req->local ? " of " : "",
		      req->local ? (req->objfile ? req->objfile : "(no object given)") : "");
	return nfound == 1 ? found : NULL;
}

/* The symbol req means, among the candidates. */
static struct symbol *find_target(struct kobj *k, const struct symreq *req,
				  struct symbol **cand, size_t n)
{
	struct symbol *sym;
	size_t count;
	int b;

	if (!n) {
		ERROR("%s: symbol '%s'%s%s not found", k->path, req->name,
		      req->objfile ? " of " : "", req->objfile ? req->objfile : "");
		return NULL;
	}
	if (req->local) {
		if (!req->objfile) {
			ERROR("%s: local symbol '%s' without the object defining it",
			      k->path, req->name);
			return NULL;
		}
		b = choose_block(k, req->objfile, false);
		if (b < 0)
			return NULL;
		sym = pick(k, cand, n, b, &count);
		if (count != 1)
			ERROR("%s: local symbol '%s' of %s: %s in its STT_FILE block %s",
			      k->path, req->name, req->objfile,
			      count ? "several definitions" : "not found", k->block_file[b]);
		return count == 1 ? sym : NULL;
	}
	if (n == 1)
		return cand[0];
	if (req->func && req->objfile) {
		b = choose_block(k, req->objfile, true);
		if (b >= 0) {
			sym = pick(k, cand, n, b, &count);
			if (count == 1)
				return sym;
		}
	}
	sym = pick(k, cand, n, -1, &count);
	if (count == 1)
		return sym;
	ERROR("%s: symbol '%s' is ambiguous: %zu definitions%s%s", k->path, req->name, n,
	      req->objfile ? ", none attributable to " : "",
	      req->objfile ? req->objfile : "");
	return NULL;
}

static size_t position(struct symbol **v, size_t n, const struct symbol *sym)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == sym)
			return i + 1;
	return 0;
}

/* sympos as klp_find_object_symbol() counts it */
static int compute_sympos(struct kobj *k, struct symbol *sym, struct symbol **cand,
			  size_t n, unsigned long *sympos)
{
	struct symbol **core;
	size_t i, nc = 0, pos_full, pos_core;

	pos_full = position(cand, n, sym);
	if (k->vmlinux) {
		/* kallsyms still lists them, but the memory is gone after boot */
		if (str_starts(sym->sec->name, ".init")) {
			ERROR("%s: symbol '%s' is in section %s, which is freed after boot",
			      k->path, sym->name, sym->sec->name);
			return -1;
		}
		*sympos = n == 1 ? 0 : pos_full;
		return 0;
	}
	if (!module_core_visible(sym)) {
		ERROR("%s: symbol '%s' is in section %s, which the module drops after init",
		      k->path, sym->name, sym->sec ? sym->sec->name : "(none)");
		return -1;
	}
	core = xzalloc(n * sizeof(*core));
	for (i = 0; i < n; i++)
		if (module_core_visible(cand[i]))
			core[nc++] = cand[i];
	pos_core = position(core, nc, sym);
	free(core);
	if (n == 1) {
		*sympos = 0;
		return 0;
	}
	/* the same position must work while coming and after init */
	if (pos_full != pos_core) {
		ERROR("%s: symbol '%s' is #%zu of %zu while the module loads but #%zu of %zu after its init (same-named init symbols): no sympos fits both",
		      k->path, sym->name, pos_full, n, pos_core, nc);
		return -1;
	}
	*sympos = pos_full;
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/*
 * The memo is looked up once per record: hashed, so that a patch with
 * thousands of livepatch relocations does not compare each one with every
 * distinct request before it.
 */
static size_t memo_bucket(const struct symdb *db, const struct symreq *req)
{
	unsigned long h = str_hash(req->name);

	h = h * 31 + (req->objname ? str_hash(req->objname) : 0);
	h = h * 31 + (req->objfile ? str_hash(req->objfile) : 0);
	h = h * 4 + req->local * 2 + req->func;
	return h & (db->memo_hash_size - 1);
}

static struct memo *memo_find(struct symdb *db, const struct symreq *req)
{
	size_t i;

	if (!db->memo_hash_size)
		return NULL;
	for (i = db->memo_hash[memo_bucket(db, req)]; i; i = db->memo[i - 1].next) {
		struct memo *m = &db->memo[i - 1];

		if (m->req.local == req->local && m->req.func == req->func &&
		    str_eq(m->req.name, req->name) && str_eq(m->req.objname, req->objname) &&
		    str_eq(m->req.objfile, req->objfile))
			return m;
	}
	return NULL;
}

static void memo_hash_add(struct symdb *db, size_t i)
{
	size_t b = memo_bucket(db, &db->memo[i].req);

	db->memo[i].next = db->memo_hash[b];
	db->memo_hash[b] = i + 1;
}

/* a new, empty memo; the table doubles with the memo array */
static struct memo *memo_new(struct symdb *db)
{
	size_t i;

	if (db->nr_memo == db->alloc_memo) {
		db->alloc_memo = db->alloc_memo ? db->alloc_memo * 2 : 64;
		db->memo = xrealloc(db->memo, db->alloc_memo * sizeof(*db->memo));
		free(db->memo_hash);
		db->memo_hash_size = db->alloc_memo;
		db->memo_hash = xzalloc(db->memo_hash_size * sizeof(*db->memo_hash));
		for (i = 0; i < db->nr_memo; i++)
			memo_hash_add(db, i);
	}
	memset(&db->memo[db->nr_memo], 0, sizeof(*db->memo));
	return &db->memo[db->nr_memo++];
}

static int resolve(struct symdb *db, const struct symreq *req, struct symres *res);

/* Answer each distinct request once: one message per unresolvable symbol. */
int symdb_resolve(struct symdb *db, const struct symreq *req, struct symres *res)
{
	struct memo *m = memo_find(db, req);

	if (!m) {
		m = memo_new(db);
		m->ret = resolve(db, req, &m->res);
		m->req = *req;
		m->req.name = xstrdup(req->name);
		m->req.objname = req->objname ? xstrdup(req->objname) : NULL;
		m->req.objfile = req->objfile ? xstrdup(req->objfile) : NULL;
		memo_hash_add(db, m - db->memo);
	}
	*res = m->res;
	return m->ret;
}

static int resolve(struct symdb *db, const struct symreq *req, struct symres *res)
{
	struct symbol **cand, *sym;
	struct kobj *k;
	size_t n;
	int ret = -1;

	if (req->objname) {
		k = find_kobj(db, req->objname);
		if (!k) {
			ERROR("%s: module %s not found in modules.order (symbol '%s')",
			      db->build, req->objname, req->name);
			return -1;
		}
		if (kobj_load(k))
			return -1;
	} else {
		k = find_owner(db, req);
		if (!k)
			return -1;
	}

	cand = candidates(k, req->name, &n);
	sym = find_target(k, req, cand, n);
	if (!sym)
		goto out;
	if (req->func && sym->type != STT_FUNC) {
		ERROR("%s: '%s' is not a function", k->path, req->name);
		goto out;
	}
	if (compute_sympos(k, sym, cand, n, &res->sympos))
		goto out;
	res->objname = k->name;
	res->type = sym->type;
	res->addr = k->vmlinux ? sym->offset : 0;
	INFO("%s: %s%s%s -> %s,%lu", k->name, req->name, req->objfile ? " of " : "",
	     req->objfile ? req->objfile : "", sym->name, res->sympos);
	ret = 0;
out:
	free(cand);
	return ret;
}

int symdb_vmlinux_find(struct symdb *db, const char *name, uint64_t *addr)
{
	struct symbol *sym;

	if (kobj_load(&db->vmlinux))
		return -1;
	for (sym = find_symbol(db->vmlinux.elf, name); sym; sym = find_symbol_next(sym)) {
		if (sym->sec && sym->bind == STB_GLOBAL) {
			*addr = sym->offset;
			return 0;
		}
	}
	return -1;
}

int symdb_vmlinux_global(struct symdb *db, const char *name, uint64_t *addr)
{
	if (!symdb_vmlinux_find(db, name, addr))
		return 0;
	if (db->vmlinux.elf)
		ERROR("%s: no global symbol '%s'", db->vmlinux.path, name);
	return -1;
}
