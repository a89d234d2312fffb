# lethe-state: tor's state file kept across reboots, sealed to the node
# (docs/torstate.md, include/lethe_state.h).  It links configpull's objects
# for the mTLS channel (fetch.c, identity.c, tpmsign.c: one client, the TPM
# key) and libsodium for the blob's cipher and key derivation.
#
#   $(B)/target/lethe-state       the relay's program (image libcurl, OpenSSL, tpm2-tss, libsodium)
#   $(HB)/lethe-state             the same, built for host tests (SAN=1 aware)
#   $(HB)/test_state              cmocka unit tests (in UNIT_TESTS): the blob, the KDF,
#                                 node.conf, the staged writes, reportd's header check
#   $(HB)/fuzz_state_blob         blob parser corpus replay (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_state_blob   the same under libFuzzer (in FUZZ_TARGETS)
#   check-state                   swtpm, real nginx + reportd, a real tor (in CHECK_TARGETS)

STATE_SRCS := $(sort $(wildcard state/*.c))
STATE_LIB_SRCS := $(filter-out state/main.c,$(STATE_SRCS))
# The blob alone (parser and cipher): the fuzzer's.
STATE_CORE_SRCS := state/blob.c
STATE_HDRS := $(wildcard state/*.h) include/lethe_state.h tpmseal/torkey.h $(CONFIGPULL_HDRS)
# tpmseal's reader of tor's key files (torkey.c): the one parser of the file it writes
STATE_TORKEY_SRCS := tpmseal/torkey.c
STATE_INC := -iquote state -iquote configpull -iquote tpmseal -Itlog
STATE_OBJS := $(patsubst state/%.c,$(HB)/state-obj/%.o,$(STATE_LIB_SRCS)) $(HB)/state-obj/torkey.o
STATE_CORE_OBJS := $(patsubst state/%.c,$(HB)/state-obj/%.o,$(STATE_CORE_SRCS))
STATE_TEST_SRCS := $(sort $(wildcard tests/unit/state/*.c))
# reportd's side of the blob (the header it checks before keeping one)
STATE_REPORTD_OBJS := $(HB)/obj/reportd/torstate.o $(HB)/obj/reportd/util.o

$(B)/target/lethe-state: $(STATE_SRCS) $(STATE_TORKEY_SRCS) $(CONFIGPULL_LIB_SRCS) $(CONFIGPULL_TLOG_SRCS) $(STATE_HDRS) $(BR_STAMP)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(STATE_INC) -o $@ $(filter %.c,$^) $(TARGET_LDFLAGS) $(CONFIGPULL_LIBS)

$(HB)/state-obj/%.o: state/%.c $(STATE_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(STATE_INC) -c -o $@ $<

$(HB)/state-obj/torkey.o: $(STATE_TORKEY_SRCS) $(STATE_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(STATE_INC) -c -o $@ $<

$(HB)/lethe-state: $(HB)/state-obj/main.o $(STATE_OBJS) $(CONFIGPULL_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(CONFIGPULL_LIBS)

$(HB)/test_state: $(STATE_TEST_SRCS) $(STATE_OBJS) $(STATE_REPORTD_OBJS) $(CONFIGPULL_LIB_OBJS) $(STATE_HDRS) \
		$(REPORTD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(STATE_INC) -iquote reportd $(HOST_LDFLAGS) -o $@ \
		$(STATE_TEST_SRCS) $(STATE_OBJS) $(STATE_REPORTD_OBJS) $(CONFIGPULL_LIB_OBJS) -lcmocka $(CONFIGPULL_LIBS)

UNIT_TESTS += $(HB)/test_state

$(HB)/fuzz_state_blob: tests/fuzz/state_blob/fuzz.c $(STATE_CORE_OBJS) $(STATE_HDRS) tests/fuzz/replay.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(STATE_INC) $(HOST_LDFLAGS) -o $@ tests/fuzz/state_blob/fuzz.c $(STATE_CORE_OBJS) -lsodium

FUZZ_REPLAYS += $(HB)/fuzz_state_blob:tests/fuzz/state_blob/corpus

$(B)/libfuzzer/fuzz_state_blob: tests/fuzz/state_blob/fuzz.c $(STATE_CORE_SRCS) $(STATE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(STATE_INC) -o $@ tests/fuzz/state_blob/fuzz.c $(STATE_CORE_SRCS) -lsodium

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_state_blob

# Integration: save and restore against swtpm (the counter, the node key),
# nginx as render-nginx renders it with reportd behind it, and a real tor.
.PHONY: check-state
check-state: $(HB)/lethe-state $(HB)/configpull $(HB)/reportd
	LETHE_STATE=$(HB)/lethe-state CONFIGPULL=$(HB)/configpull REPORTD=$(HB)/reportd \
		LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) prove -v tests/state/*.t

CHECK_TARGETS += check-state
