# image/ospkg: the stboot OS package writer, signer and verifier (host tool).
#
#   $(HB)/ospkg        the program (links OpenSSL libcrypto and jansson)
#   $(HB)/test_ospkg   cmocka unit tests (in UNIT_TESTS)
#   $(HB)/fuzz_ospkg   fuzz harness, replays tests/fuzz/ospkg_verify/corpus
#   $(B)/libfuzzer/fuzz_ospkg   the same harness under libFuzzer (clang)
#   check-ospkg        unit tests, the shell test and the corpus replay

OSPKG_SRCS := $(sort $(wildcard image/ospkg/*.c))
OSPKG_HDRS := $(sort $(wildcard image/ospkg/*.h)) $(IMGLIB_HDRS)
OSPKG_LIB_SRCS := $(filter-out image/ospkg/main.c,$(OSPKG_SRCS)) $(IMGLIB_SRCS)
OSPKG_LIB_OBJS := $(OSPKG_LIB_SRCS:%.c=$(HB)/obj/%.o)
OSPKG_LIBS := -lcrypto -ljansson

OSPKG_TEST_SRCS := $(sort $(wildcard tests/unit/ospkg/*.c))
OSPKG_TEST_HDRS := $(sort $(wildcard tests/unit/ospkg/*.h))
OSPKG_TEST_OBJS := $(OSPKG_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/image/ospkg/%.o: image/ospkg/%.c $(OSPKG_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -c -o $@ $<

$(HB)/obj/tests/unit/ospkg/%.o: tests/unit/ospkg/%.c $(OSPKG_HDRS) $(OSPKG_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/ospkg -c -o $@ $<

$(HB)/ospkg: $(HB)/obj/image/ospkg/main.o $(OSPKG_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(OSPKG_LIBS)

# libsodium only in the tests: an independent Ed25519 to check ours against.
$(HB)/test_ospkg: $(OSPKG_TEST_OBJS) $(OSPKG_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(OSPKG_LIBS) -lcmocka -lsodium

UNIT_TESTS += $(HB)/test_ospkg

$(HB)/obj/tests/fuzz/ospkg_verify/fuzz.o: tests/fuzz/ospkg_verify/fuzz.c $(OSPKG_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/ospkg -c -o $@ $<

$(HB)/fuzz_ospkg: $(HB)/obj/tests/fuzz/ospkg_verify/fuzz.o $(OSPKG_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(OSPKG_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_ospkg:tests/fuzz/ospkg_verify/corpus

# libFuzzer build: make build/libfuzzer/fuzz_ospkg, then run it on a copy of
# the corpus, e.g. build/libfuzzer/fuzz_ospkg -max_total_time=60 DIR.
# (dictionary: tests/fuzz/ospkg_verify/ospkg.dict)
$(B)/libfuzzer/fuzz_ospkg: tests/fuzz/ospkg_verify/fuzz.c $(OSPKG_LIB_SRCS) $(OSPKG_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/ospkg -o $@ tests/fuzz/ospkg_verify/fuzz.c \
		$(OSPKG_LIB_SRCS) $(OSPKG_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_ospkg

.PHONY: check-ospkg
check-ospkg: $(HB)/test_ospkg $(HB)/ospkg $(HB)/fuzz_ospkg
	$(HB)/test_ospkg
	OSPKG=$(HB)/ospkg prove -v tests/image/ospkg-verify.t
	$(HB)/fuzz_ospkg tests/fuzz/ospkg_verify/corpus
