/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Implicit addends of SHT_REL objects, for lib/elf.c only (see lib/rel.c):
 * the field encodings of the relocation types whose addend lives in the
 * relocated bytes (32-bit arm).
 */
#ifndef KLPB_REL_H
#define KLPB_REL_H

#include <stdbool.h>
#include <stdint.h>

/* objects of this e_machine carry REL sections that elf.c converts */
bool rel_machine(unsigned int machine);
/* bytes of the field a type writes (4), 0 for types kept as they are */
unsigned int rel_field_size(unsigned int machine, unsigned int type);
/* can the field of type hold addend? (types kept as they are: only 0) */
bool rel_addend_fits(unsigned int machine, unsigned int type, int64_t addend);
/* read the addend from the field at p and clear the field's bits */
int rel_extract(unsigned int machine, unsigned int type, unsigned char *p, int64_t *addend);
/* write addend into the field at p (opcode bits kept); -1 if it does not fit */
int rel_insert(unsigned int machine, unsigned int type, unsigned char *p, int64_t addend);
/* clear the field's bits again (after a write) */
void rel_clear(unsigned int machine, unsigned int type, unsigned char *p);

#endif
