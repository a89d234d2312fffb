# lethe-telemetry: the node's status, metrics and logs over its mTLS channel
# (docs/observability.md).  It links configpull's objects for that channel
# (fetch.c, identity.c, tpmsign.c: one client, the TPM key) and adds its own.
#
#   $(B)/target/lethe-telemetry        the relay's program (image libcurl, jansson, OpenSSL)
#   $(HB)/lethe-telemetry              the same, built for host tests (SAN=1 aware)
#   $(HB)/test_telemetry               cmocka unit tests (in UNIT_TESTS)
#   $(HB)/fuzz_telemetry_status        status-file parser corpus replay (in FUZZ_REPLAYS)
#   $(HB)/fuzz_telemetry_logline       log-record and exposition-filter corpus replay (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_telemetry_*    the same under libFuzzer (in FUZZ_TARGETS)
#   check-telemetry                    real nginx (mTLS), Pushgateway, tor and reportd
#                                      (in CHECK_TARGETS)
#   bench-telemetry                    tests/telemetry/bench.sh: figures only, not in make
#                                      check (about 7 min)

TELEMETRY_SRCS := $(sort $(wildcard telemetry/*.c))
TELEMETRY_LIB_SRCS := $(filter-out telemetry/main.c,$(TELEMETRY_SRCS))
# The parsers and buffers that need neither libcurl nor a key: the fuzzers'.
TELEMETRY_CORE_SRCS := $(addprefix telemetry/,status.c logline.c ring.c expo.c)
TELEMETRY_HDRS := $(wildcard telemetry/*.h) $(CONFIGPULL_HDRS) include/lethe_state.h
TELEMETRY_INC := -iquote telemetry -iquote configpull -Itlog
TELEMETRY_OBJS := $(patsubst telemetry/%.c,$(HB)/telemetry-obj/%.o,$(TELEMETRY_LIB_SRCS))
TELEMETRY_CORE_OBJS := $(patsubst telemetry/%.c,$(HB)/telemetry-obj/%.o,$(TELEMETRY_CORE_SRCS))
TELEMETRY_TEST_SRCS := $(sort $(wildcard tests/unit/telemetry/*.c))

$(B)/target/lethe-telemetry: $(TELEMETRY_SRCS) $(CONFIGPULL_LIB_SRCS) $(CONFIGPULL_TLOG_SRCS) $(TELEMETRY_HDRS) \
		$(BR_STAMP)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TELEMETRY_INC) -o $@ $(filter %.c,$^) $(TARGET_LDFLAGS) $(CONFIGPULL_LIBS)

$(HB)/telemetry-obj/%.o: telemetry/%.c $(TELEMETRY_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(TELEMETRY_INC) -c -o $@ $<

$(HB)/lethe-telemetry: $(HB)/telemetry-obj/main.o $(TELEMETRY_OBJS) $(CONFIGPULL_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(CONFIGPULL_LIBS)

$(HB)/test_telemetry: $(TELEMETRY_TEST_SRCS) $(TELEMETRY_OBJS) $(CONFIGPULL_LIB_OBJS) $(TELEMETRY_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(TELEMETRY_INC) $(HOST_LDFLAGS) -o $@ \
		$(TELEMETRY_TEST_SRCS) $(TELEMETRY_OBJS) $(CONFIGPULL_LIB_OBJS) -lcmocka $(CONFIGPULL_LIBS)

UNIT_TESTS += $(HB)/test_telemetry

# Fuzz targets: the status file; the log-record parser and the exposition
# filter (one harness: the two parsers of bytes from outside the agent).
TELEMETRY_FUZZERS := status logline

define TELEMETRY_FUZZ_RULE
$$(HB)/fuzz_telemetry_$(1): tests/fuzz/telemetry_$(1)/fuzz.c $$(TELEMETRY_CORE_OBJS) $$(TELEMETRY_HDRS) tests/fuzz/replay.h
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(TELEMETRY_INC) $$(HOST_LDFLAGS) -o $$@ \
		tests/fuzz/telemetry_$(1)/fuzz.c $$(TELEMETRY_CORE_OBJS)

FUZZ_REPLAYS += $$(HB)/fuzz_telemetry_$(1):tests/fuzz/telemetry_$(1)/corpus

$$(B)/libfuzzer/fuzz_telemetry_$(1): tests/fuzz/telemetry_$(1)/fuzz.c $$(TELEMETRY_CORE_SRCS) $$(TELEMETRY_HDRS)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(TELEMETRY_INC) -o $$@ tests/fuzz/telemetry_$(1)/fuzz.c $$(TELEMETRY_CORE_SRCS)

FUZZ_TARGETS += $$(B)/libfuzzer/fuzz_telemetry_$(1)
endef
$(foreach f,$(TELEMETRY_FUZZERS),$(eval $(call TELEMETRY_FUZZ_RULE,$(f))))

# Integration: the agent against real nginx (mTLS, scripts/configserver),
# a real Prometheus Pushgateway, a real tor's MetricsPort and reportd.
.PHONY: check-telemetry bench-telemetry
check-telemetry: $(HB)/lethe-telemetry $(HB)/configpull $(HB)/reportd $(B)/target/initd
	LETHE_TELEMETRY=$(HB)/lethe-telemetry CONFIGPULL=$(HB)/configpull REPORTD=$(HB)/reportd INITD=$(B)/target/initd \
		LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) prove -v tests/telemetry/*.t

CHECK_TARGETS += check-telemetry

# The image's build runs through the staged tree's loader and libraries
# (the lean libcurl first) when make image has staged them.
bench-telemetry: $(HB)/lethe-telemetry $(HB)/configpull $(HB)/reportd $(B)/target/lethe-telemetry
	LETHE_TELEMETRY=$(HB)/lethe-telemetry CONFIGPULL=$(HB)/configpull REPORTD=$(HB)/reportd \
	LETHE_TARGET_AGENT=$(B)/target/lethe-telemetry LETHE_IMAGE_LOADER=$(IMG_B)/stage/usr/lib64/ld-linux-x86-64.so.2 \
	LETHE_IMAGE_LIBS=$(B)/curl:$(IMG_B)/stage/usr/lib/x86_64-linux-gnu \
		tests/telemetry/bench.sh
