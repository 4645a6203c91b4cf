// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *klpb_prog = "klp-build";
int klpb_verbose;

void klpb_msg(const char *level, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (level)
		fprintf(stderr, "%s: %s: ", klpb_prog, level);
	else
		fprintf(stderr, "%s: ", klpb_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Allocation failure in a short-lived tool has no sensible recovery. */
void *xzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p) {
		perror("calloc");
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		perror("realloc");
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p) {
		perror("strdup");
		abort();
	}
	return p;
}

bool str_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool str_ends(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* FNV-1a */
unsigned long str_hash(const char *s)
{
	unsigned long h = 2166136261UL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619UL;
	return h;
}
