# tlog: the verifying half of the transparency log (docs/transparency.md), a
# library of sources, no program: tpmseal and logtool compile TLOG_SRCS in.
# Included by the top Makefile before tpmseal/*.mk and logtool/*.mk.
#
#   TLOG_SRCS TLOG_HDRS TLOG_LIBS   for the programs that link it
#   $(HB)/obj/tlog/*.o              host objects (logtool, tests, replays)
#   $(HB)/test_tlog                 cmocka unit tests (in UNIT_TESTS)
#   $(HB)/fuzz_tlog_{proofs,record,vkey} corpus replays (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_tlog_{proofs,record,vkey}   the same under libFuzzer

TLOG_SRCS := $(sort $(wildcard tlog/*.c))
TLOG_HDRS := tlog/tlog.h tlog/tlog_int.h
TLOG_LIBS := -lsodium
TLOG_OBJS := $(TLOG_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/tlog/%.o: tlog/%.c $(TLOG_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

TLOG_TEST_SRCS := $(sort $(wildcard tests/unit/tlog/*.c))
TLOG_TEST_OBJS := $(TLOG_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/tests/unit/tlog/%.o: tests/unit/tlog/%.c $(TLOG_HDRS) $(wildcard tests/unit/tlog/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

$(HB)/test_tlog: $(TLOG_TEST_OBJS) $(TLOG_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TLOG_LIBS) -lcmocka

UNIT_TESTS += $(HB)/test_tlog

$(HB)/obj/tests/fuzz/tlog_%/fuzz.o: tests/fuzz/tlog_%/fuzz.c $(TLOG_HDRS) tests/fuzz/replay.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

$(HB)/fuzz_tlog_%: $(HB)/obj/tests/fuzz/tlog_%/fuzz.o $(TLOG_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TLOG_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_tlog_proofs:tests/fuzz/tlog_proofs/corpus
FUZZ_REPLAYS += $(HB)/fuzz_tlog_record:tests/fuzz/tlog_record/corpus
FUZZ_REPLAYS += $(HB)/fuzz_tlog_vkey:tests/fuzz/tlog_vkey/corpus

$(B)/libfuzzer/fuzz_tlog_%: tests/fuzz/tlog_%/fuzz.c $(TLOG_SRCS) $(TLOG_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itlog -o $@ $< $(TLOG_SRCS) $(TLOG_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_tlog_proofs $(B)/libfuzzer/fuzz_tlog_record $(B)/libfuzzer/fuzz_tlog_vkey
