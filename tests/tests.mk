# make check: every test, in an order that fails fast and shares one built
# image.  Test dependencies come from scripts/deps like everything else.
FUZZ_REPLAYS ?=
# Every libFuzzer build (FUZZ_CC, FUZZ_CFLAGS), for make fuzz-build.
FUZZ_TARGETS ?=
# Per-program integration tests (swtpm, nginx, ...) that fragments append.
CHECK_TARGETS ?=
TIMEOUT_SCALE ?= 1
# Every test's scratch directory (tests/tap.sh: tap_scratch) goes under the
# build directory, not TMPDIR: private to this checkout and B=, and reachable
# by nginx's workers (nobody) and tor (debian-tor) even when TMPDIR or /tmp
# is 0700 (the CI runs as root).  A checkout inside a directory others
# cannot search gets its own directory under /var/tmp instead
# (scripts/test-tmpdir).  Made 0711 by the first test that needs it.
# Computed once per make (exported, so sub-makes inherit it), not at every
# expansion of an exported recursive variable.
ifndef LETHE_TEST_TMPDIR
LETHE_TEST_TMPDIR := $(shell scripts/test-tmpdir $(B))
endif
export LETHE_TEST_TMPDIR

.PHONY: check check-deps fuzz-replay fuzz-build test-image test-boot check-repro bench-image
check:
	scripts/deps ensure test
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory check-initd
	$(MAKE) --no-print-directory unit-san
	$(MAKE) --no-print-directory fuzz-replay
	$(MAKE) --no-print-directory test-image
	$(MAKE) --no-print-directory test-boot
	$(if $(strip $(CHECK_TARGETS)),$(MAKE) --no-print-directory $(CHECK_TARGETS))
	$(MAKE) --no-print-directory check-repro
	@echo "make check: all passed"

# Every fuzz corpus replayed through its harness (built like the unit tests,
# so also under ASan/UBSan by `make SAN=1 fuzz-replay`).
fuzz-replay: $(foreach r,$(FUZZ_REPLAYS),$(firstword $(subst :, ,$(r))))
	@set -e; for r in $(FUZZ_REPLAYS); do bin=$${r%%:*}; dir=$${r#*:}; \
		echo "== replay $$dir"; $$bin $$dir/*; done

# Every harness under libFuzzer (not in make check: clang builds, run by hand
# or by a time-boxed job, e.g. build/fuzz/initd_cmdline -max_total_time=60 CORPUS).
fuzz-build: $(FUZZ_TARGETS)

# Shell tests speak TAP; prove runs them and prints the summary.
test-image: all $(HB)/mkcpio $(HB)/ospkg $(HB)/elfclosure
	LEAN_CURL=$(B)/curl/libcurl.so.4 MKCPIO=$(HB)/mkcpio OSPKG=$(HB)/ospkg ELFCLOSURE=$(HB)/elfclosure INITD=$(B)/target/initd \
	LETHE_VERSION='$(LETHE_VERSION)' prove -v tests/image/*.t

test-boot: all
	KERNEL=$(O)/vmlinuz INITRD=$(O)/initramfs.cpio.zst LETHE_VERSION='$(LETHE_VERSION)' \
	LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) prove -v tests/boot/*.t

check-repro:
	scripts/check-repro

bench-image:
	scripts/bench-image
