#!/usr/bin/env python3
"""anchor-refs.py KO SYSTEM_MAP: the vmlinux references of a patch module of
klp-build's in-module core (arm64, arm: no CONFIG_LIVEPATCH), resolved.

klp-convert writes a reference to a vmlinux symbol the module cannot link
against as a relocation against an exported vmlinux "anchor" (a symbol the
module leaves undefined) with the link-time distance folded into the addend
(docs/DESIGN.md, arm64 "The lead's direction, checked" point 1). For every
relocation against an undefined symbol that System.map knows, this prints

  SECTION TYPE ANCHOR+ADDEND NAME+OFF

where NAME+OFF is what link(ANCHOR) + ADDEND hits in System.map (one line
per name at that address). The addend is the RELA addend (arm64), or for
arm's REL the implicit addend of the field: the word of R_ARM_ABS32 and
R_ARM_REL32 (REL32 place-relative: link(ANCHOR) + addend - place is not
knowable, so only ABS32 is resolved; other arm types print '?').
"""
import bisect
import struct
import sys

ko, smap = sys.argv[1], sys.argv[2]
d = open(ko, 'rb').read()
if d[:4] != b'\x7fELF' or d[5] != 1:
    sys.exit('%s: not a little-endian ELF file' % ko)
c64 = d[4] == 2
if c64:
    shoff, = struct.unpack_from('<Q', d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
    # name type flags addr offset size link info align entsize
    sh = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize) for i in range(shnum)]
else:
    shoff, = struct.unpack_from('<I', d, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x2e)
    sh = [struct.unpack_from('<IIIIIIIIII', d, shoff + i * shentsize) for i in range(shnum)]
machine, = struct.unpack_from('<H', d, 0x12)


def cstr(off):
    return d[off:d.index(b'\0', off)].decode()


def secname(i):
    return cstr(sh[shstrndx][4] + sh[i][0])


symtab = next(i for i, s in enumerate(sh) if s[1] == 2)
st = sh[symtab]
syms = []
for k in range(st[5] // (24 if c64 else 16)):
    if c64:
        n, info, oth, shn, v, sz = struct.unpack_from('<IBBHQQ', d, st[4] + 24 * k)
    else:
        n, v, sz, info, oth, shn = struct.unpack_from('<IIIBBH', d, st[4] + 16 * k)
    syms.append((cstr(sh[st[6]][4] + n), shn))

addr = {}
byaddr = {}
for line in open(smap):
    f = line.split()
    if len(f) < 3:
        continue
    a = int(f[0], 16)
    addr.setdefault(f[2], []).append(a)
    byaddr.setdefault(a, []).append(f[2])
keys = sorted(byaddr)

ARM64 = {257: 'R_AARCH64_ABS64', 258: 'R_AARCH64_ABS32', 260: 'R_AARCH64_PREL64',
         261: 'R_AARCH64_PREL32', 275: 'R_AARCH64_ADR_PREL_PG_HI21', 277: 'R_AARCH64_ADD_ABS_LO12_NC',
         278: 'R_AARCH64_LDST8_ABS_LO12_NC', 282: 'R_AARCH64_JUMP26', 283: 'R_AARCH64_CALL26',
         284: 'R_AARCH64_LDST16_ABS_LO12_NC', 285: 'R_AARCH64_LDST32_ABS_LO12_NC',
         286: 'R_AARCH64_LDST64_ABS_LO12_NC', 299: 'R_AARCH64_LDST128_ABS_LO12_NC'}
ARM = {2: 'R_ARM_ABS32', 3: 'R_ARM_REL32', 28: 'R_ARM_CALL', 29: 'R_ARM_JUMP24', 42: 'R_ARM_PREL31',
       43: 'R_ARM_MOVW_ABS_NC', 44: 'R_ARM_MOVT_ABS'}
names = ARM64 if machine == 183 else ARM

for i, s in enumerate(sh):
    if s[1] not in (4, 9):      # SHT_RELA, SHT_REL
        continue
    rela = s[1] == 4
    ent = (24 if rela else 16) if c64 else (12 if rela else 8)
    target = sh[s[7]]
    for k in range(s[5] // ent):
        if c64:
            off, info = struct.unpack_from('<QQ', d, s[4] + ent * k)
            sym, typ = info >> 32, info & 0xffffffff
            addend = struct.unpack_from('<q', d, s[4] + ent * k + 16)[0] if rela else None
        else:
            off, info = struct.unpack_from('<II', d, s[4] + ent * k)
            sym, typ = info >> 8, info & 255
            addend = struct.unpack_from('<i', d, s[4] + ent * k + 8)[0] if rela else None
        name, shn = syms[sym]
        if shn != 0 or name not in addr:
            continue
        if addend is None:
            if typ != 2:        # only R_ARM_ABS32's field is a plain addend
                print(secname(s[7]), names.get(typ, 'R_%d' % typ), name + '+?', '?')
                continue
            addend, = struct.unpack_from('<i', d, target[4] + off)
        a = addr[name][0] + addend
        j = bisect.bisect_right(keys, a) - 1
        hit = ['%s+0x%x' % (n, a - keys[j]) for n in byaddr[keys[j]]] if j >= 0 else ['?']
        for h in hit:
            print(secname(s[7]), names.get(typ, 'R_%d' % typ), '%s%+d' % (name, addend), h)
