// SPDX-License-Identifier: GPL-2.0
/*
 * Module.symvers: which symbols a module may link against, and who exports
 * them.  Lines: "0xCRC<TAB>symbol<TAB>module path or vmlinux<TAB>EXPORT_...[<TAB>ns]".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdo.h"

struct sv_entry {
	char *name;
	char *owner;		/* "vmlinux" or module name */
	struct sv_entry *next;
};

struct symvers {
	struct sv_entry **hash;
	size_t size;
};

/* "drivers/foo/bar-baz" -> "bar_baz", as KBUILD_MODNAME spells it */
static char *module_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = xstrdup(base ? base + 1 : path), *p;

	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

struct symvers *symvers_read(const char *path)
{
	struct symvers *sv = xzalloc(sizeof(*sv));
	char line[4096];
	FILE *f;

	sv->size = 1 << 16;
	sv->hash = xzalloc(sv->size * sizeof(*sv->hash));
	f = fopen(path, "r");
	if (!f) {
		ERROR("%s: %s", path, strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *crc = strtok(line, "\t\n"), *name = strtok(NULL, "\t\n");
		char *mod = strtok(NULL, "\t\n");
		struct sv_entry *e;
		size_t b;

		if (!crc || !name || !mod)
			continue;
		e = xzalloc(sizeof(*e));
		e->name = xstrdup(name);
		e->owner = strcmp(mod, "vmlinux") ? module_name(mod) : xstrdup("vmlinux");
		b = str_hash(name) & (sv->size - 1);
		e->next = sv->hash[b];
		sv->hash[b] = e;
	}
	fclose(f);
	return sv;
}

const char *symvers_owner(const struct symvers *sv, const char *name)
{
	struct sv_entry *e;

	if (!sv)
		return NULL;
	for (e = sv->hash[str_hash(name) & (sv->size - 1)]; e; e = e->next)
		if (!strcmp(e->name, name))
			return e->owner;
	return NULL;
}
