/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp-build's <linux/livepatch.h>, first on the include path of every
 * patched compile (like livepatch_helpers.h): the kernel's own header, and
 * on a kernel without CONFIG_LIVEPATCH (arm64: klp-build's in-module core)
 * what that core provides instead of the kernel's livepatch core: struct
 * klp_object for callbacks and the klp_shadow_*() functions
 * (kmod-template/klpb-livepatch.h).  With CONFIG_LIVEPATCH it adds nothing.
 */
#ifndef _KLPB_LINUX_LIVEPATCH_H
#define _KLPB_LINUX_LIVEPATCH_H

#include_next <linux/livepatch.h>

#if !IS_ENABLED(CONFIG_LIVEPATCH)
#include "../../kmod-template/klpb-livepatch.h"
#endif

#endif /* _KLPB_LINUX_LIVEPATCH_H */
