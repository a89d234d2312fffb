# initd: PID 1, a static musl binary (no libraries in the image for it to
# need, and nothing to resolve before /proc and /dev exist).
#
#   $(B)/target/initd     the binary the image installs as /init
#   check-initd           host checks of that binary (static, size, CLI)
#   check-initd           also the supervision tests (supervise.t: the
#                         supervisor as a child subreaper over fake tors)
#   unit tests            $(HB)/test_initd_{release,mount,log,sig,cmdline,super,sysctl,mem,host,
#                         modules,notify}
#   fuzz                  $(HB)/fuzz_initd_{cmdline,notify} (replay, in FUZZ_REPLAYS),
#                         $(B)/fuzz/initd_{cmdline,notify} (libFuzzer, by hand)

INITD_SRCS := $(sort $(wildcard initd/*.c))
INITD_HDRS := $(sort $(wildcard initd/*.h include/*.h))
# Binary size ceiling (bytes): 160 KiB.  The first budget was 150 KB with
# bookworm's musl 1.2.3; trixie's musl 1.2.5 alone adds 7.4 KB of libc to
# the same sources (the resolver's TCP fallback 3 KB, printf's float and
# core formatting 1.5 KB), so the ceiling follows the toolchain, not our
# code (docs/initd.md, "Figures": 154,208 bytes today).
INITD_SIZE_MAX := 163840

# -Oz, no unwind tables (C without exceptions or backtraces needs none):
# the size budget below.
INITD_MUSL_FLAGS := -Oz -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables
# -z noseparate-code: one read-only segment for code and constants instead
# of three page-aligned ones (up to 8 KB of padding).  The binary is static
# and non-PIE at a fixed address, so the separation buys little against
# code reuse there; the size budget buys headroom for the pipeline steps.
INITD_MUSL_LDFLAGS := -Wl,--gc-sections -s -Wl,-z,noseparate-code

$(B)/target/initd: $(INITD_SRCS) $(INITD_HDRS) $(BR_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(INITD_MUSL_FLAGS) -o $@.tmp $(INITD_SRCS) \
		$(MUSL_LDFLAGS) $(INITD_MUSL_LDFLAGS) || { rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

# Host objects of the same sources, for unit tests (SAN=1 aware via $(HB)).
$(HB)/initd/%.o: initd/%.c $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

INITD_TEST_CFLAGS := $(HOST_CFLAGS) -Iinitd
INITD_TEST_LIBS := -lcmocka

$(HB)/test_initd_release: tests/unit/initd/test_release.c $(HB)/initd/release.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/release.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

# mount(2) is wrapped at link time: the test records the calls instead of
# needing root.
$(HB)/test_initd_mount: tests/unit/initd/test_mount.c $(HB)/initd/mount.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/mount.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) -Wl,--wrap=mount -Wl,--wrap=umount2 $(INITD_TEST_LIBS)

$(HB)/test_initd_log: tests/unit/initd/test_log.c $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

$(HB)/test_initd_sig: tests/unit/initd/test_sig.c $(HB)/initd/sig.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/sig.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_release $(HB)/test_initd_mount $(HB)/test_initd_log \
	$(HB)/test_initd_sig

.PHONY: check-initd
check-initd: $(B)/target/initd
	INITD=$(B)/target/initd INITD_SIZE_MAX=$(INITD_SIZE_MAX) tests/unit/initd/cli.t
	INITD=$(B)/target/initd tests/unit/initd/supervise.t
	INITD=$(B)/target/initd tests/unit/initd/tor.t
	INITD=$(B)/target/initd tests/unit/initd/sntp.t

$(HB)/test_initd_cmdline: tests/unit/initd/test_cmdline.c $(HB)/initd/cmdline.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/cmdline.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_cmdline

# Fuzz target of the command-line parser: replayed by make fuzz-replay; the
# libFuzzer build is run by hand:
#   build/fuzz/initd_cmdline -max_total_time=60 tests/fuzz/initd_cmdline/corpus
$(HB)/fuzz_initd_cmdline: tests/fuzz/initd_cmdline/fuzz.c $(HB)/initd/cmdline.o $(HB)/initd/sysctl.o \
		$(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/cmdline.o $(HB)/initd/sysctl.o \
		$(HB)/initd/log.o $(HOST_LDFLAGS)

FUZZ_CC ?= clang
INITD_FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wshadow -Wvla \
	-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DLETHE_LIBFUZZER -Iinclude -Iinitd

$(B)/fuzz/initd_cmdline: tests/fuzz/initd_cmdline/fuzz.c initd/cmdline.c initd/cmdline.h \
		initd/sysctl.c initd/sysctl.h initd/log.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(INITD_FUZZ_CFLAGS) -o $@ tests/fuzz/initd_cmdline/fuzz.c initd/cmdline.c \
		initd/sysctl.c initd/log.c

FUZZ_REPLAYS += $(HB)/fuzz_initd_cmdline:tests/fuzz/initd_cmdline/corpus
FUZZ_TARGETS += $(B)/fuzz/initd_cmdline

$(HB)/test_initd_super: tests/unit/initd/test_super.c $(HB)/initd/super.o $(HB)/initd/backoff.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/super.o $(HB)/initd/backoff.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_super

$(HB)/test_initd_sysctl: tests/unit/initd/test_sysctl.c $(HB)/initd/sysctl.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/sysctl.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_sysctl

$(HB)/test_initd_modules: tests/unit/initd/test_modules.c $(HB)/initd/modules.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/modules.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_modules

$(HB)/test_initd_notify: tests/unit/initd/test_notify.c $(HB)/initd/notify.o $(HB)/initd/alloc.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/notify.o $(HB)/initd/alloc.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_notify

$(HB)/fuzz_initd_notify: tests/fuzz/initd_notify/fuzz.c $(HB)/initd/notify.o $(HB)/initd/alloc.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/notify.o $(HB)/initd/alloc.o $(HOST_LDFLAGS)

$(B)/fuzz/initd_notify: tests/fuzz/initd_notify/fuzz.c initd/notify.c initd/notify.h initd/alloc.c initd/alloc.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(INITD_FUZZ_CFLAGS) -o $@ tests/fuzz/initd_notify/fuzz.c initd/notify.c initd/alloc.c

FUZZ_REPLAYS += $(HB)/fuzz_initd_notify:tests/fuzz/initd_notify/corpus
FUZZ_TARGETS += $(B)/fuzz/initd_notify

$(HB)/test_initd_nodeconf: tests/unit/initd/test_nodeconf.c $(HB)/initd/nodeconf.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/nodeconf.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_nodeconf

# Fuzz target of node.conf and the torrc comparison (SIGHUP or restart).
$(HB)/fuzz_initd_nodeconf: tests/fuzz/initd_nodeconf/fuzz.c $(HB)/initd/nodeconf.o $(HB)/initd/mem.o \
		$(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/nodeconf.o $(HB)/initd/mem.o $(HOST_LDFLAGS)

$(B)/fuzz/initd_nodeconf: tests/fuzz/initd_nodeconf/fuzz.c initd/nodeconf.c initd/nodeconf.h initd/alloc.h \
		initd/mem.c initd/mem.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(INITD_FUZZ_CFLAGS) -o $@ tests/fuzz/initd_nodeconf/fuzz.c initd/nodeconf.c initd/mem.c

FUZZ_REPLAYS += $(HB)/fuzz_initd_nodeconf:tests/fuzz/initd_nodeconf/corpus
FUZZ_TARGETS += $(B)/fuzz/initd_nodeconf

$(HB)/test_initd_sntp: tests/unit/initd/test_sntp.c $(HB)/initd/sntp.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/sntp.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_sntp

# Fuzz target of the SNTP reply parser (8 bytes of request timestamp, then the reply).
$(HB)/fuzz_initd_sntp: tests/fuzz/initd_sntp/fuzz.c $(HB)/initd/sntp.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/sntp.o $(HB)/initd/log.o $(HOST_LDFLAGS)

$(B)/fuzz/initd_sntp: tests/fuzz/initd_sntp/fuzz.c initd/sntp.c initd/sntp.h initd/log.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(INITD_FUZZ_CFLAGS) -o $@ tests/fuzz/initd_sntp/fuzz.c initd/sntp.c initd/log.c

FUZZ_REPLAYS += $(HB)/fuzz_initd_sntp:tests/fuzz/initd_sntp/corpus
FUZZ_TARGETS += $(B)/fuzz/initd_sntp

# mem.c: MaxMemInQueues, CPU sets, zram size, /proc parsing.
$(HB)/test_initd_mem: tests/unit/initd/test_mem.c $(HB)/initd/mem.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/mem.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

# The PID 1 host pieces: PSI text, power button events, the zram swap
# header and setup in a scratch sysfs, the loop's extra fds and shutdown.
INITD_HOST_OBJS := $(addprefix $(HB)/initd/,psi.o powerkey.o zram.o modules.o net.o loop.o super.o \
	backoff.o notify.o sig.o log.o)
$(HB)/test_initd_host: tests/unit/initd/test_host.c $(INITD_HOST_OBJS) $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(INITD_HOST_OBJS) \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_mem $(HB)/test_initd_host
