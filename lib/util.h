/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages and small helpers shared by the tools.
 *
 * Functions report an error with ERROR*() and return a negative value (or
 * NULL); only main() decides to exit.  The *_SYM / *_SEC variants prefix the
 * message with the object file and the symbol or section it is about, so a
 * user always learns where the problem is.
 */
#ifndef KLPB_UTIL_H
#define KLPB_UTIL_H

#include <stdbool.h>
#include <stddef.h>

extern const char *klpb_prog;	/* tool name for messages */
extern int klpb_verbose;

void klpb_msg(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ERROR(fmt, ...)	klpb_msg("error", fmt, ##__VA_ARGS__)
#define WARN(fmt, ...)	klpb_msg("warning", fmt, ##__VA_ARGS__)
#define INFO(fmt, ...)	do { if (klpb_verbose) klpb_msg(NULL, fmt, ##__VA_ARGS__); } while (0)

#define ERROR_SEC(sec, fmt, ...) \
	ERROR("%s: section %s: " fmt, (sec)->elf->path, (sec)->name, ##__VA_ARGS__)
#define ERROR_SYM(sym, fmt, ...) \
	ERROR("%s: %s%s%s: " fmt, (sym)->elf->path, (sym)->name, \
	      (sym)->sec ? " in section " : "", (sym)->sec ? (sym)->sec->name : "", \
	      ##__VA_ARGS__)
#define WARN_SYM(sym, fmt, ...) \
	WARN("%s: %s: " fmt, (sym)->elf->path, (sym)->name, ##__VA_ARGS__)
#define ERROR_LIBELF(what) ERROR("%s: %s", what, elf_errmsg(-1))

void *xzalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
unsigned long str_hash(const char *s);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
