# configpull: the node document over mTLS, rendered for initd.
#
#   $(B)/target/configpull          the relay's program (image libcurl, jansson, OpenSSL)
#   $(HB)/configpull                the same, built for host tests
#   $(HB)/test_configpull           cmocka unit tests (in UNIT_TESTS; rename() wrapped to
#                                   observe and fail the commit order)
#   $(HB)/fuzz_configpull_doc       document-to-torrc corpus replay (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_configpull_doc   the same under libFuzzer
#   $(HB)/fuzz_configpull_cert      node-certificate check corpus replay (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_configpull_cert  the same under libFuzzer
#   check-configpull                tor --verify-config, nginx mTLS and attested-enrollment
#                                   tests (in CHECK_TARGETS)

CONFIGPULL_LIB_SRCS := $(addprefix configpull/,arg.c err.c sbuf.c torrc.c sysctl.c doc.c node.c out.c \
	apply.c fetch.c identity.c tpmkey.c tpmsign.c nodecert.c hint.c approvals.c attest.c quote.c)
CONFIGPULL_CORE_SRCS := $(addprefix configpull/,err.c sbuf.c torrc.c sysctl.c doc.c node.c)
# tlog/: the log-proofs size limit (approvals.c) and the project's one
# strict base64 decoder (quote.c), tlog/util.c, with libsodium under it.
CONFIGPULL_HDRS := $(wildcard configpull/*.h) include/lethe_dns.h include/lethe_exit.h include/lethe_nocore.h include/lethe_paths.h \
	include/lethe_telemetry.h include/lethe_attest.h tlog/tlog.h tlog/tlog_int.h
CONFIGPULL_TLOG_SRCS := tlog/util.c
CONFIGPULL_LIBS := -lcurl -ljansson -lssl -lcrypto -ltss2-esys -ltss2-tctildr -ltss2-mu -ltss2-rc -lsodium
CONFIGPULL_LIB_OBJS := $(patsubst configpull/%.c,$(HB)/configpull-obj/%.o,$(CONFIGPULL_LIB_SRCS)) \
	$(CONFIGPULL_TLOG_SRCS:%.c=$(HB)/obj/%.o)
CONFIGPULL_TEST_SRCS := $(sort $(wildcard tests/unit/configpull/*.c))

$(B)/target/configpull: $(wildcard configpull/*.c) $(CONFIGPULL_TLOG_SRCS) $(CONFIGPULL_HDRS) $(BR_STAMP)
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -Itlog -o $@ $(filter %.c,$^) $(TARGET_LDFLAGS) $(CONFIGPULL_LIBS)

$(HB)/configpull-obj/%.o: configpull/%.c $(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

$(HB)/configpull: $(HB)/configpull-obj/main.o $(CONFIGPULL_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(CONFIGPULL_LIBS)

$(HB)/test_configpull: $(CONFIGPULL_TEST_SRCS) $(CONFIGPULL_LIB_OBJS) $(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote configpull $(HOST_LDFLAGS) -Wl,--wrap=rename -o $@ \
		$(CONFIGPULL_TEST_SRCS) $(CONFIGPULL_LIB_OBJS) -lcmocka $(CONFIGPULL_LIBS)

UNIT_TESTS += $(HB)/test_configpull

$(HB)/fuzz_configpull_doc: tests/fuzz/configpull_doc/fuzz.c $(patsubst configpull/%.c,$(HB)/configpull-obj/%.o,$(CONFIGPULL_CORE_SRCS)) \
		$(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote configpull $(HOST_LDFLAGS) -o $@ \
		tests/fuzz/configpull_doc/fuzz.c $(patsubst configpull/%.c,$(HB)/configpull-obj/%.o,$(CONFIGPULL_CORE_SRCS)) -ljansson

FUZZ_REPLAYS += $(HB)/fuzz_configpull_doc:tests/fuzz/configpull_doc/corpus

$(B)/libfuzzer/fuzz_configpull_doc: tests/fuzz/configpull_doc/fuzz.c $(CONFIGPULL_CORE_SRCS) \
		$(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote configpull \
		-o $@ tests/fuzz/configpull_doc/fuzz.c $(CONFIGPULL_CORE_SRCS) -ljansson

$(HB)/fuzz_configpull_cert: tests/fuzz/configpull_cert/fuzz.c $(CONFIGPULL_LIB_OBJS) $(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote configpull $(HOST_LDFLAGS) -o $@ \
		tests/fuzz/configpull_cert/fuzz.c $(CONFIGPULL_LIB_OBJS) $(CONFIGPULL_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_configpull_cert:tests/fuzz/configpull_cert/corpus

$(B)/libfuzzer/fuzz_configpull_cert: tests/fuzz/configpull_cert/fuzz.c $(CONFIGPULL_LIB_SRCS) $(CONFIGPULL_TLOG_SRCS) \
		$(CONFIGPULL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote configpull -Itlog \
		-o $@ tests/fuzz/configpull_cert/fuzz.c $(CONFIGPULL_LIB_SRCS) $(CONFIGPULL_TLOG_SRCS) $(CONFIGPULL_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_configpull_doc $(B)/libfuzzer/fuzz_configpull_cert

# Integration: the real tor checks rendered torrc files; real nginx serves
# documents over mTLS with certificates made at test time.
# attest.t: the attested enrollment with fleet sign and attestd (attestd/), then
# attestation on every pull (quote, event log from attest_mkelog, a test release log).
.PHONY: check-configpull
check-configpull: $(HB)/configpull $(HB)/attestd $(HB)/attest_mkelog $(HB)/lethe-log
	CONFIGPULL=$(HB)/configpull ATTESTD=$(HB)/attestd ATTEST_MKELOG=$(HB)/attest_mkelog LETHE_LOG=$(HB)/lethe-log \
		prove -v tests/configpull/*.t

CHECK_TARGETS += check-configpull
