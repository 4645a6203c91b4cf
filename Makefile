# klp-build: top-level build.  `make` builds the tools; see README.md.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
CFLAGS     ?= -O2 -g
WARNINGS   := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -iquote lib -iquote arch -iquote kmod-template -DKLPB_VERSION='"$(VERSION)"'
LDLIBS     := -lelf

LIB_SRCS   := $(wildcard lib/*.c) $(wildcard arch/*.c)
LIB_OBJS   := $(LIB_SRCS:.c=.o)
CDO_SRCS   := $(wildcard create-diff-object/*.c)
CDO_OBJS   := $(CDO_SRCS:.c=.o)
KC_SRCS    := $(wildcard klp-convert/*.c)
KC_OBJS    := $(KC_SRCS:.c=.o)
HEADERS    := $(wildcard lib/*.h arch/*.h create-diff-object/*.h klp-convert/*.h kmod-template/klpb-meta.h)

TOOLS := create-diff-object/create-diff-object $(if $(KC_SRCS),klp-convert/klp-convert)

all: $(TOOLS)

.PHONY: bench all setup check check-unit check-integration check-convert demo install clean shellcheck

%.o: %.c $(HEADERS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/libklpb.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

create-diff-object/create-diff-object: $(CDO_OBJS) lib/libklpb.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

klp-convert/klp-convert: $(KC_OBJS) lib/libklpb.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# Install the packages the tools and tests need (Debian; run as root).
setup:
	bash scripts/setup.sh

check-unit: all
	bash test/unit/run

check-integration: all
	bats --print-output-on-failure test/integration

# klp-convert against the cached test kernel (built by check-integration)
check-convert: all
	bash klp-convert/tests/run.sh

check: check-unit check-integration check-convert

bench: all
	bash bench/warm-patch
	KLPB_ARCH=ppc64le bash bench/warm-patch
	KLPB_ARCH=s390x bash bench/warm-patch

demo: all
	bash scripts/demo.sh

shellcheck:
	shellcheck -x klp-build/klp-build scripts/*.sh test/lib/*.sh test/lib/bats-common.bash bench/warm-patch .ci/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/klp-build \
		$(DESTDIR)$(PREFIX)/share/klp-build $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7
	install -m755 klp-build/klp-build $(DESTDIR)$(PREFIX)/bin/klp-build
	install -m755 $(TOOLS) $(DESTDIR)$(PREFIX)/libexec/klp-build/
	cp -r kmod-template $(DESTDIR)$(PREFIX)/share/klp-build/
	[ ! -d include ] || cp -r include $(DESTDIR)$(PREFIX)/share/klp-build/
	install -m644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -f $(LIB_OBJS) $(CDO_OBJS) $(KC_OBJS) lib/libklpb.a $(TOOLS)
