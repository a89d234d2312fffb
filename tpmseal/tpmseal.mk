# tpmseal: relay identities sealed in TPM NV (runs on the relay).
#
#   $(B)/target/tpmseal       the program, linked against the image's libraries
#   $(HB)/tpmseal             the same, built as a host tool for the swtpm tests
#   $(HB)/test_tpmseal        cmocka unit tests (in UNIT_TESTS)
#   $(HB)/fuzz_tpmseal_bundle   replays tests/fuzz/tpmseal_bundle/corpus
#   $(HB)/fuzz_tpmseal_keyfile  replays tests/fuzz/tpmseal_keyfile/corpus
#   $(B)/libfuzzer/fuzz_tpmseal_{bundle,keyfile}   the same under libFuzzer
#   check-tpmseal             swtpm tests (tests/tpm/*.t; log.t with logtool's
#                             lethe-log), in CHECK_TARGETS
#   bench-tpm                 unseal latency on swtpm, ours vs tpm2-tools, and
#                             PolicyAuthorize (+ PolicyNV epoch) vs literal PolicyPCR,
#                             and each operation's TPM commands by command code

# tpmseal checks approvals against the transparency log with tlog/ (logcheck.c).
TPMSEAL_SRCS := $(sort $(wildcard tpmseal/*.c)) $(TLOG_SRCS)
TPMSEAL_HDRS := $(sort $(wildcard tpmseal/*.h)) include/lethe_exit.h include/lethe_nocore.h $(TLOG_HDRS)
TPMSEAL_LIB_SRCS := $(filter-out tpmseal/main.c,$(TPMSEAL_SRCS))
TPMSEAL_LIB_OBJS := $(TPMSEAL_LIB_SRCS:%.c=$(HB)/obj/%.o)
TPMSEAL_LIBS := -ltss2-esys -ltss2-tctildr -ltss2-mu -ltss2-rc -lsodium -lcrypto

TPMSEAL_TEST_SRCS := $(sort $(wildcard tests/unit/tpmseal/*.c))
TPMSEAL_TEST_OBJS := $(TPMSEAL_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(B)/target/tpmseal: $(TPMSEAL_SRCS) $(TPMSEAL_HDRS) $(BR_STAMP)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -Itlog -o $@ $(TPMSEAL_SRCS) $(TARGET_LDFLAGS) $(TPMSEAL_LIBS)

$(HB)/obj/tpmseal/%.o: tpmseal/%.c $(TPMSEAL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

$(HB)/obj/tests/unit/tpmseal/%.o: tests/unit/tpmseal/%.c $(TPMSEAL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itpmseal -Itlog -DTDATA='"$(B)/tpmseal-fixtures"' -c -o $@ $<

# Key fixtures made by real tor and openssl at test time (never committed).
$(B)/tpmseal-fixtures/tor/rsa_fpr: tests/unit/tpmseal/mkfixtures.sh
	tests/unit/tpmseal/mkfixtures.sh $(B)/tpmseal-fixtures

$(HB)/tpmseal: $(HB)/obj/tpmseal/main.o $(TPMSEAL_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TPMSEAL_LIBS)

$(HB)/test_tpmseal: $(TPMSEAL_TEST_OBJS) $(TPMSEAL_LIB_OBJS) | $(B)/tpmseal-fixtures/tor/rsa_fpr
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $(filter %.o,$^) $(TPMSEAL_LIBS) -lcmocka

UNIT_TESTS += $(HB)/test_tpmseal

$(HB)/obj/tests/fuzz/tpmseal_%/fuzz.o: tests/fuzz/tpmseal_%/fuzz.c $(TPMSEAL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itpmseal -Itlog -c -o $@ $<

$(HB)/fuzz_tpmseal_%: $(HB)/obj/tests/fuzz/tpmseal_%/fuzz.o $(TPMSEAL_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TPMSEAL_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_tpmseal_bundle:tests/fuzz/tpmseal_bundle/corpus
FUZZ_REPLAYS += $(HB)/fuzz_tpmseal_keyfile:tests/fuzz/tpmseal_keyfile/corpus

$(B)/libfuzzer/fuzz_tpmseal_%: tests/fuzz/tpmseal_%/fuzz.c $(TPMSEAL_LIB_SRCS) $(TPMSEAL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itpmseal -Itlog -o $@ $< $(TPMSEAL_LIB_SRCS) $(TPMSEAL_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_tpmseal_bundle $(B)/libfuzzer/fuzz_tpmseal_keyfile

.PHONY: check-tpmseal bench-tpm
check-tpmseal: $(HB)/tpmseal $(HB)/lethe-log
	TPMSEAL=$(HB)/tpmseal LETHE_LOG=$(HB)/lethe-log prove -v tests/tpm/*.t

CHECK_TARGETS += check-tpmseal

bench-tpm: $(HB)/tpmseal
	scripts/deps ensure bench
	TPMSEAL=$(HB)/tpmseal tests/tpm/bench.sh
