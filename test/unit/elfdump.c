/*
 * elfdump: print an ELF relocatable object as one record per line, for the
 * create-diff-object unit tests (test/unit/run).  Every record is a kind
 * followed by space-separated key=value tokens; values never contain spaces
 * (bytes outside [!-~] and backslash are printed as \ooo).
 *
 *   section  name= index= type= flags= size= align= entsize= link= info=
 *   symbol   name= index= type= bind= shndx= value= size=
 *   reloc    sec= target= off= type= sym= symtype= addend= ref= [str=]
 *   klpfunc  idx= old_name= old_name_sec= new_func= objname= sympos= objfile= flags= ptrtypes=
 *   klpreloc idx= place= name= name_sec= objname= objfile= addend= type= flags= ptrtypes=
 *   check    symtab_order=ok|bad ...
 *
 * "ref" resolves a relocation to a name: the symbol's own name, or for a
 * section symbol the FUNC/OBJECT symbol covering (addend [+ the distance to
 * the end of the instruction for x86_64 PC-relative types]) in that section,
 * else "[section]+offset".  Relocation type names are those of the object's
 * machine (x86_64 or ppc64); other types print as R_<number>.
 * Pointer fields of .klp.funcs/.klp.relocs records (struct klpb_func /
 * struct klpb_reloc, docs/DESIGN.md) are resolved through the relocations
 * against those sections: strings are read at symbol value + addend.
 *
 * Build: cc -o elfdump elfdump.c -lelf
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sec {
	GElf_Shdr sh;
	const char *name;
	Elf_Data *data;
	Elf_Scn *scn;
};

static Elf *elf;
static size_t nsecs, shstrndx;
static struct sec *secs;
static size_t symtab_idx;
static GElf_Sym *syms;
static const char **symnames;
static size_t nsyms;
static int errors;
static unsigned machine;	/* e_machine: relocation names and biases */
static int big_endian;		/* record fields are in target byte order */

static void die(const char *msg)
{
	printf("error %s: %s\n", msg, elf_errmsg(-1));
	exit(1);
}

static void put_escaped(const char *s, size_t max)
{
	size_t i;
	if (!s) {
		fputs("NULL", stdout);
		return;
	}
	if (max == 0 || !*s) {
		fputs("\"\"", stdout);
		return;
	}
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > ' ' && c <= '~' && c != '\\')
			putchar(c);
		else
			printf("\\%03o", c);
	}
}

static const char *sec_name(size_t i)
{
	if (i == SHN_UNDEF)
		return "UND";
	if (i == SHN_ABS)
		return "ABS";
	if (i == SHN_COMMON)
		return "COMMON";
	if (i >= nsecs)
		return "BADIDX";
	return secs[i].name ? secs[i].name : "?";
}

static const char *sh_type_name(GElf_Word t)
{
	static char buf[32];
	switch (t) {
	case SHT_NULL: return "NULL";
	case SHT_PROGBITS: return "PROGBITS";
	case SHT_SYMTAB: return "SYMTAB";
	case SHT_STRTAB: return "STRTAB";
	case SHT_RELA: return "RELA";
	case SHT_REL: return "REL";
	case SHT_NOBITS: return "NOBITS";
	case SHT_NOTE: return "NOTE";
	case SHT_GROUP: return "GROUP";
	case SHT_SYMTAB_SHNDX: return "SYMTAB_SHNDX";
	}
	snprintf(buf, sizeof(buf), "0x%x", (unsigned)t);
	return buf;
}

static const char *flags_str(GElf_Xword f)
{
	static char buf[32];
	char *p = buf;
	if (f & SHF_WRITE) *p++ = 'W';
	if (f & SHF_ALLOC) *p++ = 'A';
	if (f & SHF_EXECINSTR) *p++ = 'X';
	if (f & SHF_MERGE) *p++ = 'M';
	if (f & SHF_STRINGS) *p++ = 'S';
	if (f & SHF_INFO_LINK) *p++ = 'I';
	if (f & SHF_GROUP) *p++ = 'G';
	if (f & SHF_TLS) *p++ = 'T';
	if (f & 0x00100000) *p++ = 'L'; /* SHF_RELA_LIVEPATCH */
	if (p == buf) *p++ = '-';
	*p = 0;
	return buf;
}

static const char *sym_type_name(unsigned t)
{
	static char buf[16];
	switch (t) {
	case STT_NOTYPE: return "NOTYPE";
	case STT_OBJECT: return "OBJECT";
	case STT_FUNC: return "FUNC";
	case STT_SECTION: return "SECTION";
	case STT_FILE: return "FILE";
	case STT_COMMON: return "COMMON";
	case STT_TLS: return "TLS";
	}
	snprintf(buf, sizeof(buf), "%u", t);
	return buf;
}

static const char *bind_name(unsigned b)
{
	static char buf[16];
	switch (b) {
	case STB_LOCAL: return "LOCAL";
	case STB_GLOBAL: return "GLOBAL";
	case STB_WEAK: return "WEAK";
	}
	snprintf(buf, sizeof(buf), "%u", b);
	return buf;
}

/* not in every elf.h */
#ifndef R_PPC64_REL24_NOTOC
#define R_PPC64_REL24_NOTOC 116
#endif
#ifndef R_PPC64_ENTRY
#define R_PPC64_ENTRY 118
#endif


/* s390x: the types its diff objects use */
static const char *s390_rtype_name(unsigned t)
{
	switch (t) {
	case 4: return "R_390_32";
	case 5: return "R_390_PC32";
	case 19: return "R_390_PC32DBL";
	case 20: return "R_390_PLT32DBL";
	case 22: return "R_390_64";
	case 23: return "R_390_PC64";
	case 26: return "R_390_GOTENT";
	}
	return NULL;
}

/* s390x: code relocations of an immediate 2 bytes into its instruction,
 * relative to the instruction's start (the addend carries the 2) */
static int s390_insn_field(unsigned t)
{
	return t == 17 || t == 18 || t == 19 || t == 20 || t == 26;
}

#define RT(n) case n: return #n
static const char *rtype_name(unsigned t)
{
	static char buf[8][24];
	static int n;
	char *b = buf[n++ & 7];
	if (machine == EM_S390) {
		const char *s = s390_rtype_name(t);
		if (s)
			return s;
	}
	if (machine == EM_X86_64)
		switch (t) {
		RT(R_X86_64_NONE); RT(R_X86_64_64); RT(R_X86_64_PC32); RT(R_X86_64_GOT32);
		RT(R_X86_64_PLT32); RT(R_X86_64_GOTPCREL); RT(R_X86_64_32); RT(R_X86_64_32S);
		RT(R_X86_64_PC64); RT(R_X86_64_GOTPCRELX); RT(R_X86_64_REX_GOTPCRELX);
		}
	if (machine == EM_PPC64)
		switch (t) {
		RT(R_PPC64_NONE); RT(R_PPC64_ADDR32); RT(R_PPC64_ADDR24); RT(R_PPC64_ADDR16);
		RT(R_PPC64_ADDR16_LO); RT(R_PPC64_ADDR16_HI); RT(R_PPC64_ADDR16_HA);
		RT(R_PPC64_ADDR14); RT(R_PPC64_REL24); RT(R_PPC64_REL14); RT(R_PPC64_REL32);
		RT(R_PPC64_ADDR64); RT(R_PPC64_ADDR16_HIGHER); RT(R_PPC64_ADDR16_HIGHERA);
		RT(R_PPC64_ADDR16_HIGHEST); RT(R_PPC64_ADDR16_HIGHESTA); RT(R_PPC64_REL64);
		RT(R_PPC64_TOC16); RT(R_PPC64_TOC16_LO); RT(R_PPC64_TOC16_HI); RT(R_PPC64_TOC16_HA);
		RT(R_PPC64_TOC); RT(R_PPC64_ADDR16_DS); RT(R_PPC64_ADDR16_LO_DS);
		RT(R_PPC64_TOC16_DS); RT(R_PPC64_TOC16_LO_DS); RT(R_PPC64_REL24_NOTOC);
		RT(R_PPC64_ENTRY);
		RT(R_PPC64_REL16); RT(R_PPC64_REL16_LO);
		RT(R_PPC64_REL16_HI); RT(R_PPC64_REL16_HA);
		}
	if (machine == EM_AARCH64)
		switch (t) {
		RT(R_AARCH64_NONE); RT(R_AARCH64_ABS64); RT(R_AARCH64_ABS32);
		RT(R_AARCH64_PREL64); RT(R_AARCH64_PREL32); RT(R_AARCH64_ADR_PREL_PG_HI21);
		RT(R_AARCH64_ADR_PREL_LO21); RT(R_AARCH64_ADD_ABS_LO12_NC);
		RT(R_AARCH64_LDST8_ABS_LO12_NC); RT(R_AARCH64_LDST16_ABS_LO12_NC);
		RT(R_AARCH64_LDST32_ABS_LO12_NC); RT(R_AARCH64_LDST64_ABS_LO12_NC);
		RT(R_AARCH64_LDST128_ABS_LO12_NC); RT(R_AARCH64_JUMP26); RT(R_AARCH64_CALL26);
		RT(R_AARCH64_CONDBR19); RT(R_AARCH64_TSTBR14);
		}
	snprintf(b, 24, "R_%u", t);
	return b;
}
#undef RT

/*
 * An x86_64 PC-relative field in code is relative to the end of its
 * instruction (the addend is -4 minus any immediate after it).  A ppc64
 * PC-relative relocation designates S + A itself, like an absolute one.
 */
static int pcrel(unsigned t)
{
	if (machine == EM_S390)
		return 0;	/* see resolve() */
	if (machine != EM_X86_64)
		return 0;
	return t == R_X86_64_PC32 || t == R_X86_64_PLT32 || t == R_X86_64_PC64 ||
	       t == R_X86_64_GOTPCREL || t == R_X86_64_GOTPCRELX || t == R_X86_64_REX_GOTPCRELX;
}

/* name of the FUNC/OBJECT symbol of section shndx covering off, or NULL */
static const char *covering_sym(size_t shndx, int64_t off)
{
	size_t i;
	const char *best = NULL;
	for (i = 1; i < nsyms; i++) {
		unsigned t = GELF_ST_TYPE(syms[i].st_info);
		if (syms[i].st_shndx != shndx)
			continue;
		if (t != STT_FUNC && t != STT_OBJECT)
			continue;
		if (off < (int64_t)syms[i].st_value)
			continue;
		if (off < (int64_t)(syms[i].st_value + syms[i].st_size) ||
		    (syms[i].st_size == 0 && off == (int64_t)syms[i].st_value)) {
			/* prefer a global name over a local alias */
			if (!best || GELF_ST_BIND(syms[i].st_info) != STB_LOCAL)
				best = symnames[i];
		}
	}
	return best;
}

/* string at (symbol value + addend) of the symbol's section; NULL if none */
static const char *string_at(size_t symidx, int64_t addend, size_t *max, const char **secname)
{
	GElf_Sym *s;
	struct sec *sc;
	int64_t off;
	if (symidx == 0 || symidx >= nsyms)
		return NULL;
	s = &syms[symidx];
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= nsecs)
		return NULL;
	sc = &secs[s->st_shndx];
	if (secname)
		*secname = sc->name;
	if (sc->sh.sh_type == SHT_NOBITS || !sc->data || !sc->data->d_buf)
		return NULL;
	off = (int64_t)s->st_value + addend;
	if (off < 0 || (uint64_t)off >= sc->data->d_size)
		return NULL;
	*max = sc->data->d_size - off;
	if (!memchr((char *)sc->data->d_buf + off, 0, *max))
		return NULL;
	return (char *)sc->data->d_buf + off;
}

/* instruction start offsets of executable sections, from objdump -d */
struct insns {
	uint64_t *start;
	size_t n;
};
static struct insns *insns;
static int cur_delta; /* insn end - reloc offset for the relocation being printed, 0 = unknown */

static void load_insns(const char *path)
{
	char cmd[4200], line[4096];
	FILE *f;
	long cur = -1;
	size_t i;
	insns = calloc(nsecs, sizeof(*insns));
	if (strchr(path, '\''))
		return;
	snprintf(cmd, sizeof(cmd), "objdump -d -w '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long off;
		char *p;
		if (!strncmp(line, "Disassembly of section ", 23)) {
			p = line + 23;
			p[strcspn(p, "\n")] = 0;
			if (*p && p[strlen(p) - 1] == ':')
				p[strlen(p) - 1] = 0;
			cur = -1;
			for (i = 1; i < nsecs; i++)
				if (secs[i].name && !strcmp(secs[i].name, p) && !insns[i].start &&
				    (secs[i].sh.sh_flags & SHF_EXECINSTR)) {
					cur = (long)i;
					insns[i].start = malloc(sizeof(uint64_t) * (secs[i].sh.sh_size + 1));
					break;
				}
			continue;
		}
		if (cur < 0)
			continue;
		p = line;
		while (*p == ' ')
			p++;
		if (sscanf(p, "%llx:\t", &off) == 1 && strchr(p, ':') && strchr(p, '\t') &&
		    strchr(p, ':') < strchr(p, '\t') && insns[cur].n < secs[cur].sh.sh_size)
			insns[cur].start[insns[cur].n++] = off;
	}
	pclose(f);
}

/* bytes from a relocated field at off to the end of its instruction, 0 if unknown */
static int insn_delta(size_t shndx, uint64_t off)
{
	size_t i;
	if (!insns || shndx >= nsecs || !insns[shndx].n)
		return 0;
	for (i = 0; i < insns[shndx].n; i++)
		if (insns[shndx].start[i] > off) {
			uint64_t d = insns[shndx].start[i] - off;
			return d >= 4 && d <= 12 ? (int)d : 0;
		}
	if (secs[shndx].sh.sh_size > off && secs[shndx].sh.sh_size - off >= 4 &&
	    secs[shndx].sh.sh_size - off <= 12)
		return (int)(secs[shndx].sh.sh_size - off);
	return 0;
}

/*
 * Offset inside the target section that a relocation designates.  In code, a
 * PC-relative field is relative to the end of the instruction: the addend is
 * -4 minus the size of any immediate after the field, so try +4..+8.  In
 * data ("sym - ."), the addend is exact.
 */
static const char *resolve(size_t shndx, int64_t base, unsigned type, int incode, int64_t *offp)
{
	int k;
	const char *n;
	if (machine == EM_S390 && incode && s390_insn_field(type)) {
		*offp = base - 2;
		return covering_sym(shndx, base - 2);
	}
	if (pcrel(type) && incode && cur_delta) {
		*offp = base + cur_delta;
		return covering_sym(shndx, base + cur_delta);
	}
	if (pcrel(type) && incode) {
		for (k = 4; k <= 8; k++) {
			n = covering_sym(shndx, base + k);
			if (n) {
				*offp = base + k;
				return n;
			}
		}
		*offp = base + 4;
		return NULL;
	}
	*offp = base;
	return covering_sym(shndx, base);
}

static int cur_incode; /* relocation being printed lives in an executable section */

/* the bytes at symbol + addend are a printable NUL-terminated string */
static int is_cstring(size_t symidx, int64_t addend)
{
	size_t max = 0, i;
	const char *str = string_at(symidx, addend, &max, NULL);
	if (!str || !*str)
		return 0;
	for (i = 0; i < max && str[i]; i++)
		if ((unsigned char)str[i] < 0x20 && str[i] != '\n' && str[i] != '\t')
			return 0;
		else if ((unsigned char)str[i] > 0x7e)
			return 0;
	return 1;
}

static void print_ref(size_t symidx, unsigned type, int64_t addend)
{
	GElf_Sym *s;
	int64_t off;
	const char *n;
	if (symidx == 0 || symidx >= nsyms) {
		printf("NONE");
		return;
	}
	s = &syms[symidx];
	if (GELF_ST_TYPE(s->st_info) == STT_SECTION) {
		n = resolve(s->st_shndx, (int64_t)s->st_value + addend, type, cur_incode, &off);
		if (n)
			put_escaped(n, 4096);
		else {
			printf("[");
			put_escaped(sec_name(s->st_shndx), 4096);
			printf("]%+" PRId64, off);
		}
		return;
	}
	/* a defined symbol + addend inside some symbol: name that one */
	if (s->st_shndx != SHN_UNDEF && s->st_shndx < nsecs &&
	    GELF_ST_TYPE(s->st_info) != STT_NOTYPE) {
		n = resolve(s->st_shndx, (int64_t)s->st_value + addend, type, cur_incode, &off);
		if (n) {
			put_escaped(n, 4096);
			return;
		}
	}
	put_escaped(symnames[symidx], 4096);
	if (addend != 0 && !(pcrel(type) && cur_incode && addend == -4) &&
	    !(machine == EM_S390 && cur_incode && s390_insn_field(type) && addend == 2))
		printf("%+" PRId64, addend);
}

static void print_symname(size_t symidx)
{
	if (symidx == 0 || symidx >= nsyms) {
		printf("NONE");
		return;
	}
	if (GELF_ST_TYPE(syms[symidx].st_info) == STT_SECTION) {
		printf("[");
		put_escaped(sec_name(syms[symidx].st_shndx), 4096);
		printf("]");
	} else
		put_escaped(symnames[symidx], 4096);
}

struct rel {
	GElf_Rela r;
	size_t sym;
	unsigned type;
};

/* all relocations targeting section idx (from every RELA section with sh_info == idx) */
static struct rel *rels_for(size_t idx, size_t *n)
{
	size_t i, j, cnt = 0;
	struct rel *out = NULL;
	for (i = 1; i < nsecs; i++) {
		if (secs[i].sh.sh_type != SHT_RELA || secs[i].sh.sh_info != idx)
			continue;
		size_t k = secs[i].sh.sh_entsize ? secs[i].sh.sh_size / secs[i].sh.sh_entsize : 0;
		out = realloc(out, (cnt + k + 1) * sizeof(*out));
		for (j = 0; j < k; j++) {
			GElf_Rela r;
			if (!gelf_getrela(secs[i].data, (int)j, &r))
				die("gelf_getrela");
			out[cnt].r = r;
			out[cnt].sym = GELF_R_SYM(r.r_info);
			out[cnt].type = GELF_R_TYPE(r.r_info);
			cnt++;
		}
	}
	*n = cnt;
	return out;
}

static struct rel *rel_at(struct rel *rels, size_t n, uint64_t off, int *dups)
{
	size_t i;
	struct rel *found = NULL;
	*dups = 0;
	for (i = 0; i < n; i++)
		if (rels[i].r.r_offset == off) {
			if (found)
				(*dups)++;
			found = &rels[i];
		}
	return found;
}

static uint64_t read_u64(struct sec *s, uint64_t off)
{
	uint64_t v = 0;
	if (s->data && s->data->d_buf && off + 8 <= s->data->d_size)
		memcpy(&v, (char *)s->data->d_buf + off, 8);
	return big_endian ? __builtin_bswap64(v) : v;
}

static uint32_t read_u32(struct sec *s, uint64_t off)
{
	uint32_t v = 0;
	if (s->data && s->data->d_buf && off + 4 <= s->data->d_size)
		memcpy(&v, (char *)s->data->d_buf + off, 4);
	return big_endian ? __builtin_bswap32(v) : v;
}

/* print a pointer field as a string (key=...), record the reloc type into types */
static void ptr_string(const char *key, struct sec *s, struct rel *rels, size_t n,
		       uint64_t off, char *types, size_t tlen, const char **secname)
{
	int dups;
	struct rel *r = rel_at(rels, n, off, &dups);
	size_t max = 0;
	const char *str;
	printf(" %s=", key);
	if (secname)
		*secname = NULL;
	if (!r) {
		if (read_u64(s, off) == 0)
			printf("NULL");
		else
			printf("BADPTR");
		strncat(types, "-,", tlen - strlen(types) - 1);
		return;
	}
	strncat(types, rtype_name(r->type), tlen - strlen(types) - 1);
	strncat(types, dups ? "+DUP," : ",", tlen - strlen(types) - 1);
	str = string_at(r->sym, r->r.r_addend, &max, secname);
	if (!str) {
		printf("BADSTR:");
		print_symname(r->sym);
		printf("%+" PRId64, (int64_t)r->r.r_addend);
		return;
	}
	if (!*str)
		printf("\"\"");
	else
		put_escaped(str, max);
}

static void dump_klp_funcs(size_t idx)
{
	struct sec *s = &secs[idx];
	size_t n, i, count = s->sh.sh_size / 48;
	struct rel *rels = rels_for(idx, &n);
	printf("klpfuncs count=%zu rem=%zu relocs=%zu\n", count, (size_t)(s->sh.sh_size % 48), n);
	for (i = 0; i < count; i++) {
		uint64_t b = i * 48;
		char types[256] = "";
		const char *osec = NULL;
		int dups;
		struct rel *r;
		printf("klpfunc idx=%zu", i);
		ptr_string("old_name", s, rels, n, b + 0, types, sizeof(types), &osec);
		printf(" old_name_sec=%s", osec ? osec : "NONE");
		r = rel_at(rels, n, b + 8, &dups);
		printf(" new_func=");
		if (r) {
			print_ref(r->sym, r->type, r->r.r_addend);
			strncat(types, rtype_name(r->type), sizeof(types) - strlen(types) - 1);
			strncat(types, dups ? "+DUP," : ",", sizeof(types) - strlen(types) - 1);
		} else {
			printf(read_u64(s, b + 8) ? "BADPTR" : "NULL");
			strncat(types, "-,", sizeof(types) - strlen(types) - 1);
		}
		ptr_string("objname", s, rels, n, b + 16, types, sizeof(types), NULL);
		printf(" sympos=%" PRIu64, read_u64(s, b + 24));
		ptr_string("objfile", s, rels, n, b + 32, types, sizeof(types), NULL);
		printf(" flags=%" PRIu64, read_u64(s, b + 40));
		printf(" ptrtypes=%s\n", types);
	}
	free(rels);
}

static void dump_klp_relocs(size_t idx)
{
	struct sec *s = &secs[idx];
	size_t n, i, count = s->sh.sh_size / 48;
	struct rel *rels = rels_for(idx, &n);
	printf("klprelocs count=%zu rem=%zu relocs=%zu\n", count, (size_t)(s->sh.sh_size % 48), n);
	for (i = 0; i < count; i++) {
		uint64_t b = i * 48;
		char types[256] = "";
		const char *nsec = NULL;
		int dups;
		struct rel *r;
		printf("klpreloc idx=%zu place=", i);
		r = rel_at(rels, n, b + 0, &dups);
		if (r) {
			GElf_Sym *sy = (r->sym < nsyms) ? &syms[r->sym] : NULL;
			if (sy && sy->st_shndx != SHN_UNDEF && sy->st_shndx < nsecs) {
				put_escaped(sec_name(sy->st_shndx), 4096);
				printf("+%" PRId64, (int64_t)(sy->st_value + r->r.r_addend));
			} else {
				printf("BADPLACE:");
				print_symname(r->sym);
			}
			printf(" place_symtype=%s", sy ? sym_type_name(GELF_ST_TYPE(sy->st_info)) : "NONE");
			strncat(types, rtype_name(r->type), sizeof(types) - strlen(types) - 1);
			strncat(types, dups ? "+DUP," : ",", sizeof(types) - strlen(types) - 1);
		} else {
			printf("NULL place_symtype=NONE");
			strncat(types, "-,", sizeof(types) - strlen(types) - 1);
		}
		ptr_string("name", s, rels, n, b + 8, types, sizeof(types), &nsec);
		printf(" name_sec=%s", nsec ? nsec : "NONE");
		ptr_string("objname", s, rels, n, b + 16, types, sizeof(types), NULL);
		ptr_string("objfile", s, rels, n, b + 24, types, sizeof(types), NULL);
		printf(" addend=%" PRId64, (int64_t)read_u64(s, b + 32));
		printf(" type=%s", rtype_name(read_u32(s, b + 40)));
		printf(" flags=%" PRIu32, read_u32(s, b + 44));
		printf(" ptrtypes=%s\n", types);
	}
	free(rels);
}

int main(int argc, char **argv)
{
	int fd;
	size_t i;
	GElf_Ehdr eh;

	if (argc != 2) {
		fprintf(stderr, "usage: elfdump FILE.o\n");
		return 2;
	}
	elf_version(EV_CURRENT);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("error open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		die("not an ELF file");
	if (!gelf_getehdr(elf, &eh))
		die("gelf_getehdr");
	machine = eh.e_machine;
	big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	printf("elf type=%s machine=%u class=%d\n", eh.e_type == ET_REL ? "REL" : "OTHER",
	       eh.e_machine, gelf_getclass(elf));
	if (elf_getshdrnum(elf, &nsecs) || elf_getshdrstrndx(elf, &shstrndx))
		die("section header count");
	secs = calloc(nsecs, sizeof(*secs));
	for (i = 0; i < nsecs; i++) {
		secs[i].scn = elf_getscn(elf, i);
		if (!secs[i].scn || !gelf_getshdr(secs[i].scn, &secs[i].sh))
			die("gelf_getshdr");
		secs[i].name = elf_strptr(elf, shstrndx, secs[i].sh.sh_name);
		if (i && secs[i].sh.sh_type != SHT_NOBITS)
			secs[i].data = elf_getdata(secs[i].scn, NULL);
		if (secs[i].sh.sh_type == SHT_SYMTAB) {
			if (symtab_idx) {
				printf("check multiple_symtab=bad\n");
				errors++;
			}
			symtab_idx = i;
		}
	}
	if (!symtab_idx) {
		printf("check symtab=missing\n");
		return 1;
	}
	{
		struct sec *st = &secs[symtab_idx];
		Elf_Data *d = elf_getdata(st->scn, NULL);
		size_t firstglobal = st->sh.sh_info, bad = 0;
		nsyms = st->sh.sh_entsize ? st->sh.sh_size / st->sh.sh_entsize : 0;
		syms = calloc(nsyms + 1, sizeof(*syms));
		symnames = calloc(nsyms + 1, sizeof(*symnames));
		for (i = 0; i < nsyms; i++) {
			if (!gelf_getsym(d, (int)i, &syms[i]))
				die("gelf_getsym");
			symnames[i] = elf_strptr(elf, st->sh.sh_link, syms[i].st_name);
			if (!symnames[i])
				symnames[i] = "?";
			if ((GELF_ST_BIND(syms[i].st_info) == STB_LOCAL) != (i < firstglobal))
				bad++;
			if (syms[i].st_shndx != SHN_UNDEF && syms[i].st_shndx < SHN_LORESERVE &&
			    syms[i].st_shndx >= nsecs)
				bad++;
		}
		printf("check symtab_order=%s nsyms=%zu first_global=%zu\n", bad ? "bad" : "ok",
		       nsyms, firstglobal);
	}

	/* instruction ends matter for x86 PC-relative fields only (pcrel) */
	if (machine == EM_X86_64)
		load_insns(argv[1]);
	for (i = 1; i < nsecs; i++) {
		printf("section name=");
		put_escaped(secs[i].name, 4096);
		printf(" index=%zu type=%s flags=%s size=%" PRIu64 " align=%" PRIu64
		       " entsize=%" PRIu64 " link=%s info=",
		       i, sh_type_name(secs[i].sh.sh_type), flags_str(secs[i].sh.sh_flags),
		       (uint64_t)secs[i].sh.sh_size, (uint64_t)secs[i].sh.sh_addralign,
		       (uint64_t)secs[i].sh.sh_entsize, secs[i].sh.sh_link ? sec_name(secs[i].sh.sh_link) : "0");
		if (secs[i].sh.sh_type == SHT_RELA || secs[i].sh.sh_type == SHT_REL)
			printf("%s\n", sec_name(secs[i].sh.sh_info));
		else
			printf("%u\n", (unsigned)secs[i].sh.sh_info);
	}
	for (i = 1; i < nsyms; i++) {
		GElf_Sym *s = &syms[i];
		printf("symbol name=");
		if (GELF_ST_TYPE(s->st_info) == STT_SECTION && !*symnames[i]) {
			printf("[");
			put_escaped(sec_name(s->st_shndx), 4096);
			printf("]");
		} else
			put_escaped(symnames[i], 4096);
		printf(" index=%zu type=%s bind=%s shndx=", i, sym_type_name(GELF_ST_TYPE(s->st_info)),
		       bind_name(GELF_ST_BIND(s->st_info)));
		put_escaped(sec_name(s->st_shndx), 4096);
		printf(" value=%" PRIu64 " size=%" PRIu64 "\n", (uint64_t)s->st_value, (uint64_t)s->st_size);
	}
	for (i = 1; i < nsecs; i++) {
		size_t j, k;
		struct sec *rs = &secs[i];
		if (rs->sh.sh_type != SHT_RELA)
			continue;
		if (rs->sh.sh_link != symtab_idx) {
			printf("check rela_link=bad sec=%s\n", rs->name);
			errors++;
		}
		k = rs->sh.sh_entsize ? rs->sh.sh_size / rs->sh.sh_entsize : 0;
		for (j = 0; j < k; j++) {
			GElf_Rela r;
			size_t sym;
			unsigned type;
			if (!gelf_getrela(rs->data, (int)j, &r))
				die("gelf_getrela");
			sym = GELF_R_SYM(r.r_info);
			type = GELF_R_TYPE(r.r_info);
			printf("reloc sec=%s target=%s off=%" PRIu64 " type=%s sym=", rs->name,
			       sec_name(rs->sh.sh_info), (uint64_t)r.r_offset, rtype_name(type));
			print_symname(sym);
			printf(" symtype=%s symbind=%s symshndx=",
			       sym < nsyms ? sym_type_name(GELF_ST_TYPE(syms[sym].st_info)) : "BAD",
			       sym < nsyms ? bind_name(GELF_ST_BIND(syms[sym].st_info)) : "BAD");
			put_escaped(sym < nsyms ? sec_name(syms[sym].st_shndx) : "BAD", 4096);
			cur_incode = rs->sh.sh_info < nsecs && (secs[rs->sh.sh_info].sh.sh_flags & SHF_EXECINSTR);
			cur_delta = cur_incode ? insn_delta(rs->sh.sh_info, r.r_offset) : 0;
			printf(" addend=%" PRId64 " ref=", (int64_t)r.r_addend);
			print_ref(sym, type, r.r_addend);
			if (sym && sym < nsyms && syms[sym].st_shndx < nsecs &&
			    ((secs[syms[sym].st_shndx].sh.sh_flags & SHF_STRINGS) ||
			     (is_cstring(sym, r.r_addend + (pcrel(type) && cur_incode ? (cur_delta ? cur_delta : 4) : 0)) &&
			      !(secs[syms[sym].st_shndx].sh.sh_flags & SHF_EXECINSTR)))) {
				size_t max = 0;
				const char *str = string_at(sym, r.r_addend + (pcrel(type) && cur_incode ? (cur_delta ? cur_delta : 4) : 0), &max, NULL);
				printf(" str=");
				if (str)
					put_escaped(str, max);
				else
					printf("BADSTR");
			}
			printf("\n");
			if (sym >= nsyms) {
				printf("check reloc_sym=bad sec=%s\n", rs->name);
				errors++;
			}
		}
	}
	for (i = 1; i < nsecs; i++) {
		if (secs[i].name && !strcmp(secs[i].name, ".klp.funcs"))
			dump_klp_funcs(i);
		if (secs[i].name && !strcmp(secs[i].name, ".klp.relocs"))
			dump_klp_relocs(i);
	}
	printf("end errors=%d\n", errors);
	elf_end(elf);
	close(fd);
	return errors ? 1 : 0;
}
