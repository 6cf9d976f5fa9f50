# SPDX-License-Identifier: GPL-2.0
# hotpatch: `make` builds the tools, `make check` sets up and runs every test,
# `make demo` sets up and builds the bundled example patch.

O        ?= out
CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
SANITIZE ?=
ALL_CFLAGS := $(WARN) $(CFLAGS) $(SANITIZE) -std=gnu11 -D_GNU_SOURCE -ffile-prefix-map=$(CURDIR)=. \
	-DHOTPATCH_VERSION='"$(VERSION)"' -I. -Ilib -Ielf -Isymindex
ALL_LDFLAGS := $(LDFLAGS) $(SANITIZE)

PROGS      :=
LIBS       :=
UNIT_TESTS :=

.PHONY: all deps check demo install clean asan bench fuzz soak man deb

all: build-all

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard */Build.mk)

build-all: $(LIBS) $(PROGS) $(UNIT_TESTS)

# Debian packages every part needs; build/deps.list adds the kernel build's.
DEPS := gcc gcc-12 make pkg-config libelf-dev libdwarf-dev libcapstone-dev clang libclang-rt-14-dev \
	libcmocka-dev libjson-c-dev jq qemu-system-x86 busybox-static kmod cpio \
	openssl libssl-dev bc bison flex rsync xz-utils liblzma-dev dwarves binutils shellcheck patch git mmdebstrap \
	help2man man-db groff-base bash-completion dpkg-dev debhelper lintian fakeroot ccache ovmf efitools eatmydata time \
	$(shell cat build/deps.list 2>/dev/null)

# Installed without their Recommends (qemu-system-x86's are its GTK/SDL front ends, qemu-utils,
# qemu-block-extra: on a fresh Debian 12 with hotpatch's Depends, qemu-system-x86 busybox-static
# cpio need 27.6 MB / 123 MB on disk instead of 259 MB / 913 MB). ovmf, which it recommends, is
# in DEPS for the Secure Boot test.
DEPS_NO_RECOMMENDS := qemu-system-x86

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed' || echo "$$p"; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:" $$missing; \
		norec=; rec=; \
		for p in $$missing; do \
			case " $(DEPS_NO_RECOMMENDS) " in *" $$p "*) norec="$$norec $$p" ;; *) rec="$$rec $$p" ;; esac; \
		done; \
		apt-get update -qq && \
		{ [ -z "$$norec" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$norec; } && \
		{ [ -z "$$rec" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$rec; }; \
	fi

check: deps
	$(MAKE) all
	$(MAKE) asan
	tests/run.sh

# The sanitizer build the tests run beside out/ (ASan + UBSan, any report fails the test).
asan:
	$(MAKE) O=out-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all

# The full VM soak (tests/vm/test-vm-soak.sh; make check runs 10 cycles).
SOAK_CYCLES ?= 50
soak: deps
	$(MAKE) all
	SOAK_CYCLES=$(SOAK_CYCLES) TESTS=test-vm-soak tests/run.sh

demo: deps
	$(MAKE) all
	examples/demo.sh

bench: deps
	$(MAKE) all
	bench/run.sh

# Man pages: help2man runs each command's --help and --version (the one source: they cannot
# drift apart) and adds man/NAME.h2m's sections (NAME, FILES, EXAMPLES, SEE ALSO).
MANPAGES := $(patsubst man/%.h2m,$(O)/man/%.1,$(wildcard man/*.h2m))
H2M = SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)} \
	help2man -N --no-discard-stderr -i $< -o $@
man: $(MANPAGES)

$(O)/man/hotpatch-build.1: man/hotpatch-build.h2m hotpatch-build.sh VERSION
	@mkdir -p $(@D)
	$(H2M) ./hotpatch-build.sh

$(O)/man/hotpatch-triage.1: man/hotpatch-triage.h2m hotpatch-triage.sh VERSION
	@mkdir -p $(@D)
	$(H2M) ./hotpatch-triage.sh

$(O)/man/%.1: man/%.h2m $(O)/bin/%
	@mkdir -p $(@D)
	$(H2M) $(O)/bin/$*

# Layout: everything under $(LIBDIR) as in the source tree (the scripts find build/, templates/,
# kmod-skel/ and out/bin/ next to themselves; the tools are arch-dependent, hence lib/, not
# share/), commands linked into bin/, man pages and bash completion where Debian puts them.
LIBDIR  ?= $(PREFIX)/lib/hotpatch
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SHARE := $(DESTDIR)$(LIBDIR)
install: all man
	install -d "$(SHARE)/out/bin" "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(MANDIR)/man1" \
		"$(DESTDIR)$(BASHCOMPDIR)"
	cp -r build templates vm "$(SHARE)/"
	# the headers hotpatch-mkmod copies into every module; the rest is tool source
	install -D -m 644 -t "$(SHARE)/kmod-skel" kmod-skel/hotpatch.h kmod-skel/klp-records.h
	chmod 755 "$(SHARE)/vm/init.sh"  # the guest's /init, a script of its own
	install -m 755 hotpatch-build.sh "$(SHARE)/hotpatch-build.sh"
	install -m 755 hotpatch-triage.sh "$(SHARE)/hotpatch-triage.sh"
	install -m 644 VERSION "$(SHARE)/VERSION"
	install -m 755 $(PROGS) "$(SHARE)/out/bin/"
	ln -sfr "$(SHARE)/hotpatch-build.sh" "$(DESTDIR)$(PREFIX)/bin/hotpatch-build"
	ln -sfr "$(SHARE)/hotpatch-triage.sh" "$(DESTDIR)$(PREFIX)/bin/hotpatch-triage"
	for p in $(notdir $(PROGS)); do ln -sfr "$(SHARE)/out/bin/$$p" "$(DESTDIR)$(PREFIX)/bin/$$p"; done
	install -m 644 $(MANPAGES) "$(DESTDIR)$(MANDIR)/man1/"
	install -m 644 completions/hotpatch-build "$(DESTDIR)$(BASHCOMPDIR)/hotpatch-build"
	ln -sf hotpatch-build "$(DESTDIR)$(BASHCOMPDIR)/hotpatch-triage"

# make deb: dpkg-buildpackage on a copy of the tree in out/deb/ (it writes the .deb beside the
# source directory, which must not be the repository's parent), then lintian: any warning or
# error fails (the tags we keep are in debian/hotpatch.lintian-overrides, each with its reason).
DEB_SRC := $(O)/deb/hotpatch-$(VERSION)
deb:
	rm -rf "$(O)/deb" && mkdir -p "$(DEB_SRC)"
	tar --exclude=./out --exclude=./out-asan --exclude=./.git -cf - . | tar -C "$(DEB_SRC)" -xf -
	# without our MAKEFLAGS and O: a command-line O=... would move the package's build out of its tree
	cd "$(DEB_SRC)" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O dpkg-buildpackage -us -uc -b $(DEB_FLAGS)
	lintian --fail-on error,warning --info "$(O)/deb/hotpatch_$(VERSION)_amd64.changes"
	@echo "make deb: $(O)/deb/hotpatch_$(VERSION)_amd64.deb"

clean:
	rm -rf out out-asan

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
