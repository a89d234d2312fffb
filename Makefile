# lethe: a stateless Tor relay operating system.
#
#   make          build the signed stboot OS package in out/
#   make check    run every test (unit, sanitizers, image, verifier, QEMU boot, reproducibility)
#
# Everything that decides the bytes of the image is pinned here or in image/:
# one SOURCE_DATE_EPOCH from git, TZ=UTC, LC_ALL=C, umask 022.  See docs/architecture.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables
.DEFAULT_GOAL := all

# A fixed umask: re-enter make once under 022 (buildroot does the same), so
# that nothing we write depends on the caller's umask.
ifneq ($(LETHE_UMASK),0022)
export LETHE_UMASK := 0022
.PHONY: lethe-reenter
$(or $(MAKECMDGOALS),all): lethe-reenter ; @:
lethe-reenter:
	@umask 0022 && $(MAKE) --no-print-directory $(MAKECMDGOALS)
else

export TZ := UTC
export LC_ALL := C
export LANG := C
unexport LANGUAGE

TOP := $(CURDIR)
B := build
O := out

# Build dependencies, from the one list in scripts/deps: checked again only
# when that list changes, so a no-op make stays fast.
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
ifneq ($(shell [ $(B)/.deps-build -nt scripts/deps ] && echo ok),ok)
DEPS_RC := $(shell scripts/deps ensure build >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error build dependencies are missing: run the apt-get line above as root)
endif
$(shell mkdir -p $(B) && touch $(B)/.deps-build)
endif
endif
# Download cache: outside the clone, so fresh CI clones reuse it; every file
# in it is verified against image/packages.lock before use.
LETHE_CACHE ?= $(HOME)/.cache/lethe
export LETHE_CACHE

# One timestamp for every embedded date: the last commit.  A tree without git
# (a release tarball) must be given SOURCE_DATE_EPOCH explicitly.
SOURCE_DATE_EPOCH ?= $(shell git -C $(TOP) log -1 --format=%ct 2>/dev/null)
ifeq ($(SOURCE_DATE_EPOCH),)
$(error SOURCE_DATE_EPOCH is not set and there is no git history to take it from)
endif
export SOURCE_DATE_EPOCH
LETHE_VERSION ?= $(shell git -C $(TOP) describe --tags --always --dirty 2>/dev/null || echo unknown)
export LETHE_VERSION

# Host tools and unit tests.  SAN=1 builds the same into build/san with
# AddressSanitizer and UndefinedBehaviorSanitizer.
HOST_CC ?= cc
ifeq ($(SAN),1)
HB := $(B)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
HB := $(B)/host
SANFLAGS :=
endif
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wvla -Wdate-time -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-ffile-prefix-map=$(TOP)=. -Iinclude $(SANFLAGS)
HOST_LDFLAGS := $(SANFLAGS)

# Every libFuzzer build (the $(B)/fuzz/* and $(B)/libfuzzer/* targets): one
# compiler and one set of flags, each target adding only its -I directories
# and libraries.  The corpus replays of make fuzz-replay are built like the
# unit tests instead (HOST_CFLAGS, SAN=1 aware).
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wshadow -Wvla \
	-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DLETHE_LIBFUZZER -Iinclude

# Programs that run on the relay are compiled inside the pinned build root
# (image/buildroot: the image's Debian release, locked .debs), never by the
# host's compiler: the image's bytes do not depend on the build host.  initd
# is static musl; the others link the image's Debian libraries, whose headers
# in the root have the versions image/packages.lock ships.
BUILDROOT := image/buildroot/buildroot.sh
BR_STAMP := $(B)/buildroot.stamp
BR_RUN := TOP=$(TOP) $(BUILDROOT) run
TARGET_CC ?= $(BR_RUN) gcc
TARGET_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-Wdate-time -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	-ffile-prefix-map=$(TOP)=. -Iinclude
TARGET_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--build-id=sha1
MUSL_CC ?= $(BR_RUN) musl-gcc
MUSL_CFLAGS := -std=c11 -D_GNU_SOURCE -Os -Wall -Wextra -Werror -Wshadow -Wvla -Wdate-time \
	-fstack-protector-strong -ffile-prefix-map=$(TOP)=. -Iinclude
MUSL_LDFLAGS := -static -Wl,--build-id=sha1

UNIT_TESTS :=

.PHONY: all image sign check unit unit-san clean distclean
all: image sign predict

include $(sort $(wildcard image/*/*.mk))
# tlog first: tpmseal and logtool compile its sources (TLOG_SRCS).
include $(wildcard tlog/*.mk)
# fleetsrv before attestd and reportd: they link its objects (FLEETSRV_OBJS).
include $(wildcard fleetsrv/*.mk)
include $(sort $(wildcard initd/*.mk tpmseal/*.mk configpull/*.mk telemetry/*.mk attestd/*.mk reportd/*.mk logtool/*.mk bench/*.mk tests/*/*.mk))
include state/state.mk
include image/image.mk
include tests/tests.mk

# LETHE_STUB: the build root's UEFI stub, which test_pcrpredict checks
# pcrpredict's Authenticode against.
unit: $(UNIT_TESTS) $(BR_STAMP)
	@set -e; export LETHE_STUB=$$(cat $(BR_STAMP))/usr/lib/systemd/boot/efi/linuxx64.efi.stub; \
		for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

unit-san:
	$(MAKE) --no-print-directory SAN=1 unit

clean:
	rm -rf $(B) $(O)

distclean: clean
	@echo "the download cache $(LETHE_CACHE) is kept; remove it by hand if you must"

endif
