# klp-build: top-level build.  `make` builds the tools; see README.md.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
CFLAGS     ?= -O2 -g
WARNINGS   := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
TOOL_FLAGS := $(WARNINGS) -std=gnu11 -iquote lib -iquote arch -iquote kmod-template -DKLPB_VERSION='"$(VERSION)"'
ALL_CFLAGS := $(CFLAGS) $(TOOL_FLAGS)
LDLIBS     := -lelf

LIB_SRCS   := $(wildcard lib/*.c) $(wildcard arch/*.c)
LIB_OBJS   := $(LIB_SRCS:.c=.o)
CDO_SRCS   := $(wildcard create-diff-object/*.c)
CDO_OBJS   := $(CDO_SRCS:.c=.o)
KC_SRCS    := $(wildcard klp-convert/*.c)
KC_OBJS    := $(KC_SRCS:.c=.o)
HEADERS    := $(wildcard lib/*.h arch/*.h create-diff-object/*.h klp-convert/*.h kmod-template/klpb-meta.h)

TOOLS := create-diff-object/create-diff-object $(if $(KC_SRCS),klp-convert/klp-convert)
# helpers of the driver only (libexec, no man page)
HELPERS := tree-hash/tree-hash

all: $(TOOLS) $(HELPERS)

.PHONY: bench bench-cold bench-cold-sample bench-scale all setup check check-all check-unit check-integration check-integration-all \
	check-arm64 check-arm check-distro check-distro-6.12 bench-distro check-convert demo install clean shellcheck asan fuzz-build check-asan check-fuzz fuzz

%.o: %.c $(HEADERS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/libklpb.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

create-diff-object/create-diff-object: $(CDO_OBJS) lib/libklpb.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

klp-convert/klp-convert: $(KC_OBJS) lib/libklpb.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

tree-hash/tree-hash: tree-hash/tree-hash.c
	$(CC) $(CFLAGS) $(WARNINGS) -std=gnu11 -o $@ $<

# Other builds of the same sources, each in its own directory (the normal
# build above is not touched): build/asan/ with ASan+UBSan (make check-asan),
# build/fuzz/ the same instrumented for AFL++ (make fuzz, check-fuzz).
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
AFL_CC     ?= afl-clang-fast

# $(call variant,DIR,CC,CFLAGS)
define variant
$(1)/%.o: %.c $$(HEADERS)
	@mkdir -p $$(@D)
	$(2) $(3) $$(TOOL_FLAGS) -c -o $$@ $$<
$(1)/lib/libklpb.a: $$(addprefix $(1)/,$$(LIB_OBJS))
	$$(AR) rcs $$@ $$^
$(1)/create-diff-object/create-diff-object: $$(addprefix $(1)/,$$(CDO_OBJS)) $(1)/lib/libklpb.a
	$(2) $(3) -o $$@ $$^ $$(LDLIBS)
$(1)/klp-convert/klp-convert: $$(addprefix $(1)/,$$(KC_OBJS)) $(1)/lib/libklpb.a
	$(2) $(3) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call variant,build/asan,$(CC),$(SAN_CFLAGS)))
$(eval $(call variant,build/fuzz,$(AFL_CC),$(SAN_CFLAGS)))

asan: $(addprefix build/asan/,$(TOOLS))
fuzz-build: $(addprefix build/fuzz/,$(TOOLS))

# Install the packages the tools and tests need (Debian; run as root).
setup:
	bash scripts/setup.sh

check-unit: all
	bash test/unit/run

# The integration matrix is every arch on 6.1 and 6.12 (and arm64 6.1 and
# 6.12 with KASLR and at -O2 with KASLR): fourteen test kernels, too many to
# build from a cold cache within CI's 90 min on 2 cores.  make check (CI) runs every arch on at least one kernel:
# the driver files and x86_64 on both versions, ppc64le 6.12, s390x 6.1,
# arm64 6.12, 32-bit arm 6.1 (six test kernels); make check-all runs every file.
BATS_CHECK := 00-smoke 01-assert-helpers 10-driver 11-driver-errors 12-driver-ccache \
	20-livepatch 30-helpers 30-special 40-x86_64-6.12 41-helpers-6.12 42-refusals-6.12 \
	51-ppc64le-6.12 55-s390x-6.1 61-arm64-6.12 65-arm-6.1
check-integration: all
	bats --timing --print-output-on-failure $(patsubst %,test/integration/%.bats,$(BATS_CHECK))

check-integration-all: all
	bats --timing --print-output-on-failure test/integration

# the arm64 files alone (six cross-built kernels: 6.1 and 6.12 at -Os, with
# KASLR, and at -O2 with KASLR; in-module core; issue 10)
check-arm64: all
	bats --print-output-on-failure test/integration/6*-arm64*.bats

# the 32-bit arm files alone (two cross-built kernels; issue 12 groundwork:
# test kernels, boot, the prototype of the redirection)
check-arm: all
	bats --print-output-on-failure test/integration/6[56]-arm-*.bats

# Debian's own kernel config (issue 13): x86_64 6.1 with the cloud-amd64
# config of linux-config-6.1 (scripts/debian-config.sh), built once into the
# cache by the driver (1.5-2.5 h on 2 cores), a vmlinux and a module patch
# booted.  Not part of check or check-all.
check-distro: all
	bats --print-output-on-failure test/distro

# the same on Linux 6.12 with linux-config-6.12's cloud-amd64 config
check-distro-6.12: all
	KLPB_DISTRO_KVER=6.12 bats --print-output-on-failure test/distro

# klp-convert against the x86_64 6.1 test kernel (cached by check-integration,
# else built once), including the boot under QEMU
check-convert: all
	bash klp-convert/tests/run.sh --boot

# The unit suite on the ASan+UBSan build; a sanitizer report aborts the tool
# (signal: the case fails), leaks are not checked (the tools exit right away).
SAN_ENV := ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=1 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
check-asan: asan
	$(SAN_ENV) CDO=$(CURDIR)/build/asan/create-diff-object/create-diff-object \
		KC=$(CURDIR)/build/asan/klp-convert/klp-convert bash test/unit/run

# Fuzzing (AFL++, one worker): FUZZ_TIME seconds per target.  check-fuzz is
# the short run of make check; see test/fuzz/README.md.
FUZZ_TIME  ?= 300
check-fuzz: fuzz-build
	bash test/fuzz/run -t 30

fuzz: fuzz-build
	bash test/fuzz/run -t $(FUZZ_TIME)

check: check-unit check-asan check-fuzz check-integration check-convert

check-all: check-unit check-asan check-fuzz check-integration-all check-convert

bench-cold-sample: all
	bash bench/cold-sample

bench: all
	bash bench/warm-patch
	KLPB_ARCH=ppc64le bash bench/warm-patch
	KLPB_ARCH=s390x bash bench/warm-patch
	KLPB_ARCH=arm64 bash bench/warm-patch
	KLPB_ARCH=arm bash bench/warm-patch

# cold original build: klp-build beside a plain make of the same config
# (bench/cold-build; three kernel builds from scratch, minutes each)
bench-cold: all
	bash bench/cold-build

# the warm one-function patch on the kernel of make check-distro
bench-distro: all
	KLPB_BENCH_CONFIG=debian-cloud bash bench/warm-patch

# time and max RSS of the tools on the largest cached inputs (bench/scale)
bench-scale: all
	bash bench/scale

demo: all
	bash scripts/demo.sh

shellcheck:
	shellcheck -x klp-build/klp-build scripts/*.sh test/lib/*.sh test/lib/bats-common.bash bench/warm-patch bench/scale bench/cold-build bench/cold-sample bench/notrace-callers .ci/run \
		klp-convert/tests/run.sh test/fuzz/run test/unit/run test/unit/lib.sh test/unit/flags.sh test/integration/*.bash

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/klp-build \
		$(DESTDIR)$(PREFIX)/share/klp-build $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7
	install -m755 klp-build/klp-build $(DESTDIR)$(PREFIX)/bin/klp-build
	install -m755 $(TOOLS) $(HELPERS) $(DESTDIR)$(PREFIX)/libexec/klp-build/
	cp -r kmod-template $(DESTDIR)$(PREFIX)/share/klp-build/
	[ ! -d include ] || cp -r include $(DESTDIR)$(PREFIX)/share/klp-build/
	install -m644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -f $(LIB_OBJS) $(CDO_OBJS) $(KC_OBJS) lib/libklpb.a $(TOOLS) $(HELPERS)
	rm -rf build/asan build/fuzz
