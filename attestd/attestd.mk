# attestd: enrollment with a TPM attestation identity (runs on the config
# server, never in the image: a host tool only).
#
#   $(HB)/attestd               check-enroll, enroll-add, status, serve (FastCGI)
#   $(HB)/test_attestd          cmocka unit tests (in UNIT_TESTS): bundle parsing,
#                               templates, certify, EK chain, activation, quotes,
#                               releases, nonces and the gate, the database, on
#                               structures built in the test with tss2-mu and OpenSSL
#   $(HB)/fuzz_attestd_bundle   replays tests/fuzz/attestd_bundle/corpus (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_attestd_bundle   the same under libFuzzer
#   $(HB)/fuzz_attestd_eventlog, $(B)/libfuzzer/fuzz_attestd_eventlog
#                               the same for the firmware event log (eventlog.c)
#   $(HB)/fuzz_attestd_quote, $(B)/libfuzzer/fuzz_attestd_quote
#                               the same for the quote's body and checks (quote.c)
#   check-attestd               swtpm + nginx tests (tests/attest/attest.mk)
#
# serve.c and db.c run on fleetsrv/ (FLEETSRV_OBJS): the FastCGI loop and
# the SQLite file's opening, migration and transactions, shared with reportd.

ATTESTD_SRCS := $(sort $(wildcard attestd/*.c))
# tlog/: its strict base64 decoder (one decoder for the project's bundles and proofs).
ATTESTD_HDRS := $(sort $(wildcard attestd/*.h)) include/lethe_exit.h include/lethe_nocore.h include/lethe_attest.h $(TLOG_HDRS) \
	image/pcrpredict/pcr.h $(FLEETSRV_HDRS)
# image/pcrpredict/pcr.c: pcrpredict's PCR arithmetic (SHA-256 only, no other
# pcrpredict module), so that the event log replays as the prediction does.
ATTESTD_LIB_SRCS := $(filter-out attestd/main.c,$(ATTESTD_SRCS)) image/pcrpredict/pcr.c
ATTESTD_LIB_OBJS := $(ATTESTD_LIB_SRCS:%.c=$(HB)/obj/%.o)
ATTESTD_LIBS := -ltss2-mu -lssl -lcrypto -lsqlite3 -lfcgi $(TLOG_LIBS)
# The fuzz harness reaches the parser and the checks, not the database.
ATTESTD_CHECK_SRCS := $(addprefix attestd/,util.c bundle.c tpmobj.c ekcert.c certify.c check.c) $(TLOG_SRCS)

ATTESTD_TEST_SRCS := $(sort $(wildcard tests/unit/attestd/*.c))
ATTESTD_TEST_OBJS := $(ATTESTD_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/attestd/%.o: attestd/%.c $(ATTESTD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -iquote image/pcrpredict $(FLEETSRV_CFLAGS) -c -o $@ $<

$(HB)/attestd: $(HB)/obj/attestd/main.o $(ATTESTD_LIB_OBJS) $(TLOG_OBJS) $(FLEETSRV_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(ATTESTD_LIBS)

$(HB)/obj/tests/unit/attestd/%.o: tests/unit/attestd/%.c $(ATTESTD_HDRS) $(wildcard tests/unit/attestd/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote attestd -Itlog $(FLEETSRV_CFLAGS) -c -o $@ $<

$(HB)/test_attestd: $(ATTESTD_TEST_OBJS) $(ATTESTD_LIB_OBJS) $(TLOG_OBJS) $(FLEETSRV_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(ATTESTD_LIBS) -lcmocka

UNIT_TESTS += $(HB)/test_attestd

$(HB)/obj/tests/fuzz/attestd_%/fuzz.o: tests/fuzz/attestd_%/fuzz.c $(ATTESTD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote attestd -Itlog -c -o $@ $<

$(HB)/fuzz_attestd_bundle: $(HB)/obj/tests/fuzz/attestd_bundle/fuzz.o $(ATTESTD_CHECK_SRCS:%.c=$(HB)/obj/%.o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(ATTESTD_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_attestd_bundle:tests/fuzz/attestd_bundle/corpus

$(B)/libfuzzer/fuzz_attestd_bundle: tests/fuzz/attestd_bundle/fuzz.c $(ATTESTD_CHECK_SRCS) $(ATTESTD_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote attestd -Itlog -o $@ $< $(ATTESTD_CHECK_SRCS) $(ATTESTD_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_attestd_bundle

# The event log parser and replay (eventlog.c), alone: the bytes a node sends.
ATTESTD_EVENTLOG_SRCS := attestd/util.c attestd/eventlog.c image/pcrpredict/pcr.c

$(HB)/fuzz_attestd_eventlog: $(HB)/obj/tests/fuzz/attestd_eventlog/fuzz.o $(ATTESTD_EVENTLOG_SRCS:%.c=$(HB)/obj/%.o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ -lcrypto

FUZZ_REPLAYS += $(HB)/fuzz_attestd_eventlog:tests/fuzz/attestd_eventlog/corpus

$(B)/libfuzzer/fuzz_attestd_eventlog: tests/fuzz/attestd_eventlog/fuzz.c $(ATTESTD_EVENTLOG_SRCS) $(ATTESTD_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote attestd -iquote image/pcrpredict -o $@ $< $(ATTESTD_EVENTLOG_SRCS) -lcrypto

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_attestd_eventlog

# The quote's body and its checks (quote.c, releases.c) against a fixed AK
# and an in-memory release set: what a node sends on every pull, without
# the database.
ATTESTD_QUOTE_SRCS := $(addprefix attestd/,util.c tpmobj.c certify.c eventlog.c releases.c quote.c) \
	image/pcrpredict/pcr.c $(TLOG_SRCS)

$(HB)/fuzz_attestd_quote: $(HB)/obj/tests/fuzz/attestd_quote/fuzz.o $(ATTESTD_QUOTE_SRCS:%.c=$(HB)/obj/%.o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(ATTESTD_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_attestd_quote:tests/fuzz/attestd_quote/corpus

$(B)/libfuzzer/fuzz_attestd_quote: tests/fuzz/attestd_quote/fuzz.c $(ATTESTD_QUOTE_SRCS) $(ATTESTD_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote attestd -iquote image/pcrpredict -Itlog -o $@ $< $(ATTESTD_QUOTE_SRCS) \
		$(ATTESTD_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_attestd_quote
