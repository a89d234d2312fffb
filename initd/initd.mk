# initd: PID 1, a static musl binary (no libraries in the image for it to
# need, and nothing to resolve before /proc and /dev exist).
#
#   $(B)/target/initd     the binary the image installs as /init
#   check-initd           host checks of that binary (static, size, CLI)
#   check-initd           also the supervision tests (supervise.t: the
#                         supervisor as a child subreaper over fake tors;
#                         tor.t: the pipeline tail; telemetry.t: the log
#                         pipe, the services' output, the status file, the
#                         agent; console.t: the console's backlog under a
#                         flood while nobody reads it)
#   unit tests            $(HB)/test_initd_NAME for NAME in INITD_UNITS (one
#                         rule, INITD_UNIT_RULE, from the table below)
#   fuzz                  $(HB)/fuzz_initd_NAME (replay, in FUZZ_REPLAYS) and
#                         $(B)/fuzz/initd_NAME (libFuzzer, by hand) for NAME in
#                         INITD_FUZZERS (INITD_FUZZ_RULE)

INITD_SRCS := $(sort $(wildcard initd/*.c))
INITD_HDRS := $(sort $(wildcard initd/*.h include/*.h))
# Binary size ceiling (bytes): 152 KiB.  The first budget was 150 KiB;
# trixie's musl 1.2.5 added 7.4 KB of libc to the same sources; initd's
# own glob for modules.alias (modules_glob) instead of musl's fnmatch,
# whose wide-character tables were 16 KB, brought it back under.  The log
# pipe, the status file and every service's output through initd with
# the console's backlog (initd/console.c, 1.2 KB of code) moved the
# read-write segment to the next 4 KB page (154,880 bytes, docs/initd.md
# "Figures"): 2 KiB more leaves the rest of that page (some 3.5 KB of
# code) before the next step.  The tor state's restore and saves and the
# rollout's verdict (torstate.c, rollout.c, node.conf's image keys: 8.7 KB
# of code with musl's gmtime) took it to 163,648 bytes: 164 KiB.  The exit's
# resolver (resolver.c: unbound as a service, its two files, node.conf's
# dns keys; 4.2 KB) to 167,808, inside the same ceiling.
INITD_SIZE_MAX := 167936

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

# One rule for every initd unit test and one for every fuzz target, from a
# table: a test or harness NAME links the host objects of INITD_UNIT_NAME
# (initd/*.c basenames).  A new test is one table line, never a new rule.
#
#   $(call INITD_UNIT_RULE,NAME)  $(HB)/test_initd_NAME from
#                                 tests/unit/initd/test_NAME.c, in UNIT_TESTS;
#                                 INITD_UNIT_LDFLAGS_NAME for extra link flags
#   $(call INITD_FUZZ_RULE,NAME)  $(HB)/fuzz_initd_NAME (corpus replay, in
#                                 FUZZ_REPLAYS) and $(B)/fuzz/initd_NAME
#                                 (libFuzzer, by hand:
#                                 build/fuzz/initd_NAME -max_total_time=60 tests/fuzz/initd_NAME/corpus)
#                                 from tests/fuzz/initd_NAME/fuzz.c, linking
#                                 INITD_FUZZ_NAME
initd_objs = $(addprefix $(HB)/initd/,$(addsuffix .o,$(1)))
initd_srcs = $(addprefix initd/,$(addsuffix .c,$(1)))

define INITD_UNIT_RULE
$$(HB)/test_initd_$(1): tests/unit/initd/test_$(1).c $$(call initd_objs,$$(INITD_UNIT_$(1))) $$(INITD_HDRS)
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(INITD_TEST_CFLAGS) -o $$@ $$< $$(call initd_objs,$$(INITD_UNIT_$(1))) \
		$$(HOST_LDFLAGS) $$(INITD_UNIT_LDFLAGS_$(1)) $$(INITD_TEST_LIBS)

UNIT_TESTS += $$(HB)/test_initd_$(1)
endef

define INITD_FUZZ_RULE
$$(HB)/fuzz_initd_$(1): tests/fuzz/initd_$(1)/fuzz.c $$(call initd_objs,$$(INITD_FUZZ_$(1))) $$(INITD_HDRS)
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(INITD_TEST_CFLAGS) -o $$@ $$< $$(call initd_objs,$$(INITD_FUZZ_$(1))) $$(HOST_LDFLAGS)

$$(B)/fuzz/initd_$(1): tests/fuzz/initd_$(1)/fuzz.c $$(call initd_srcs,$$(INITD_FUZZ_$(1))) $$(INITD_HDRS)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -Iinitd -o $$@ $$< $$(call initd_srcs,$$(INITD_FUZZ_$(1)))

FUZZ_REPLAYS += $$(HB)/fuzz_initd_$(1):tests/fuzz/initd_$(1)/corpus
FUZZ_TARGETS += $$(B)/fuzz/initd_$(1)
endef

# Unit tests: what each links.
INITD_UNIT_release := release
# mount(2) is wrapped at link time: the test records the calls instead of
# needing root.
INITD_UNIT_mount := mount log
INITD_UNIT_LDFLAGS_mount := -Wl,--wrap=mount -Wl,--wrap=umount2
INITD_UNIT_log := log
INITD_UNIT_sig := sig log
INITD_UNIT_cmdline := cmdline
INITD_UNIT_super := super backoff
INITD_UNIT_sysctl := sysctl file log
INITD_UNIT_modules := modules file log
INITD_UNIT_notify := notify alloc
INITD_UNIT_nodeconf := nodeconf
INITD_UNIT_rollout := rollout_rule nodeconf
INITD_UNIT_sntp := sntp log
# file.c: the one bounded reader.
INITD_UNIT_file := file
# mem.c: MaxMemInQueues, CPU sets, zram size, /proc parsing.
INITD_UNIT_mem := mem
# The PID 1 host pieces: PSI text, power button events, the zram swap
# header and setup in a scratch sysfs, the loop's extra fds and shutdown
# (the loop reads services' output: output, logpipe, console).
INITD_UNIT_host := psi powerkey zram modules net file loop super backoff notify sig log output logpipe \
	console
# The log pipe's records and drop marker, a service's output cut into lines.
INITD_UNIT_logpipe := logpipe output console log
# The console's backlog: lines kept while it is full, the drop marker,
# initd's own lines behind it, the drain deadline.
INITD_UNIT_console := console log
# The resolver's two files (initd/resolver.c): unbound's node part, tor's
# resolv.conf.
INITD_UNIT_resolver := resolver nodeconf file log mem loop super backoff notify sig output logpipe \
	console
# initd's pipeline helpers (initd/seal.c): node.conf and identity parsers.
INITD_UNIT_seal := seal nodeconf file log

# Fuzz targets: the command-line parser; sd_notify datagrams; node.conf and
# the torrc comparison (SIGHUP or restart); the SNTP reply parser (8 bytes of
# request timestamp, then the reply); the pipeline's node.conf and identity
# parsers.
INITD_FUZZ_cmdline := cmdline sysctl file log
INITD_FUZZ_notify := notify alloc
INITD_FUZZ_nodeconf := nodeconf mem
INITD_FUZZ_sntp := sntp log
INITD_FUZZ_seal := seal nodeconf file log

INITD_UNITS := release mount log sig cmdline super sysctl modules notify nodeconf sntp mem host seal file logpipe \
	console rollout resolver
INITD_FUZZERS := cmdline notify nodeconf sntp seal
$(foreach t,$(INITD_UNITS),$(eval $(call INITD_UNIT_RULE,$(t))))
$(foreach t,$(INITD_FUZZERS),$(eval $(call INITD_FUZZ_RULE,$(t))))

.PHONY: check-initd
check-initd: $(B)/target/initd
	INITD=$(B)/target/initd INITD_SIZE_MAX=$(INITD_SIZE_MAX) tests/unit/initd/cli.t
	INITD=$(B)/target/initd tests/unit/initd/supervise.t
	INITD=$(B)/target/initd tests/unit/initd/tor.t
	INITD=$(B)/target/initd tests/unit/initd/sntp.t
	INITD=$(B)/target/initd tests/unit/initd/telemetry.t
	INITD=$(B)/target/initd tests/unit/initd/console.t
