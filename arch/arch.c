// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "arch.h"
#include "util.h"

/* Every supported architecture, one entry each. */
static const struct arch *const arches[] = {
	&arch_x86_64,
	&arch_ppc64le,
	&arch_s390x,
};

const struct arch *arch_find(unsigned int machine)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i]->machine == machine)
			return arches[i];
	return NULL;
}

const struct arch *arch_find_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (!strcmp(arches[i]->name, name))
			return arches[i];
	return NULL;
}
