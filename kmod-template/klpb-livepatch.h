/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the kernel's livepatch API that klp-build's in-module core
 * (klpb-ftrace.c) provides on kernels without CONFIG_LIVEPATCH, where
 * <linux/livepatch.h> declares none of it: struct klp_object as the
 * callbacks see it, and the shadow variable functions.  Included by the
 * core and, through klp-build's <linux/livepatch.h> (include/linux), by
 * patched code, so both agree on the layout.  Declarations only: a patched
 * file that includes it compiles to the same code as the original.
 */
#ifndef KLPB_LIVEPATCH_H
#define KLPB_LIVEPATCH_H

#include <linux/types.h>

struct module;

/*
 * What a callback gets: the fields of the kernel's struct klp_object that
 * a callback reads (name, mod, patched), same names and meaning: name and
 * mod NULL for vmlinux, the module's name and struct module for a module.
 */
struct klp_object {
	const char *name;
	struct module *mod;
	bool patched;
};

/* same signatures and semantics as kernel/livepatch/shadow.c */
typedef int (*klp_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);
typedef void (*klp_shadow_dtor_t)(void *obj, void *shadow_data);

void *klp_shadow_get(void *obj, unsigned long id);
void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
		       klp_shadow_ctor_t ctor, void *ctor_data);
void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
			      klp_shadow_ctor_t ctor, void *ctor_data);
void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor);
void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor);

#endif
