// SPDX-License-Identifier: GPL-2.0
/*
 * Last object of every patch module: a zero-size marker at the end of
 * .klp.funcs.  The linker concatenates the .klp.funcs contributions of the
 * objects in link order (klpb-begin.o, the diff objects, klpb-core.o,
 * klpb-end.o), so [__klpb_funcs_begin, __klpb_funcs_end) covers every
 * struct klpb_func.  Alignment 8 (= sizeof(long) on 64-bit) matches the diff
 * objects' sections, so no padding appears between the markers and entries.
 */
#include <linux/compiler.h>
#include "klpb-meta.h"

struct klpb_func __klpb_funcs_end[0] __section(".klp.funcs") __aligned(8) = {};

/* same for the callbacks of include/linux/livepatch_helpers.h (24 bytes each) */
struct klpb_callback __klpb_callbacks_end[0] __section(".klp.callbacks")
	__aligned(sizeof(void *)) = {};
