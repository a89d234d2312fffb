# image/pcrpredict: predicts the PCR values a lethe image produces on each
# boot path (UEFI direct boot of out/lethe.efi, stboot).  docs/updates.md.
#
#   $(HB)/pcrpredict        the program (links OpenSSL libcrypto)
#   $(HB)/test_pcrpredict   cmocka unit tests (in UNIT_TESTS)
#   $(HB)/fuzz_pcrpredict_pe, $(HB)/fuzz_pcrpredict_profile   corpus replays

PCRPREDICT_SRCS := $(sort $(wildcard image/pcrpredict/*.c))
PCRPREDICT_HDRS := $(sort $(wildcard image/pcrpredict/*.h)) $(IMGLIB_HDRS)
PCRPREDICT_LIB_SRCS := $(filter-out image/pcrpredict/main.c,$(PCRPREDICT_SRCS)) $(IMGLIB_SRCS)
PCRPREDICT_LIB_OBJS := $(PCRPREDICT_LIB_SRCS:%.c=$(HB)/obj/%.o)
PCRPREDICT_LIBS := -lcrypto
PCRPREDICT_TEST_SRCS := $(sort $(wildcard tests/unit/pcrpredict/*.c))
PCRPREDICT_TEST_OBJS := $(PCRPREDICT_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/image/pcrpredict/%.o: image/pcrpredict/%.c $(PCRPREDICT_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -c -o $@ $<

$(HB)/obj/tests/unit/pcrpredict/%.o: tests/unit/pcrpredict/%.c $(PCRPREDICT_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/pcrpredict -c -o $@ $<

$(HB)/pcrpredict: $(HB)/obj/image/pcrpredict/main.o $(PCRPREDICT_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(PCRPREDICT_LIBS)

$(HB)/test_pcrpredict: $(PCRPREDICT_TEST_OBJS) $(PCRPREDICT_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(PCRPREDICT_LIBS) -lcmocka

UNIT_TESTS += $(HB)/test_pcrpredict

$(HB)/obj/tests/fuzz/pcrpredict_%/fuzz.o: tests/fuzz/pcrpredict_%/fuzz.c $(PCRPREDICT_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/pcrpredict -c -o $@ $<

$(HB)/fuzz_pcrpredict_%: $(HB)/obj/tests/fuzz/pcrpredict_%/fuzz.o $(PCRPREDICT_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(PCRPREDICT_LIBS)

FUZZ_REPLAYS += $(HB)/fuzz_pcrpredict_pe:tests/fuzz/pcrpredict_pe/corpus
FUZZ_REPLAYS += $(HB)/fuzz_pcrpredict_profile:tests/fuzz/pcrpredict_profile/corpus

# libFuzzer builds: make build/libfuzzer/fuzz_pcrpredict_pe (or _profile),
# then run it on a copy of the corpus, e.g. ... -max_total_time=60 DIR.
$(B)/libfuzzer/fuzz_pcrpredict_%: tests/fuzz/pcrpredict_%/fuzz.c \
		$(PCRPREDICT_LIB_SRCS) $(PCRPREDICT_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(IMGLIB_CFLAGS) -Iimage/pcrpredict -o $@ $< \
		$(PCRPREDICT_LIB_SRCS) $(PCRPREDICT_LIBS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_pcrpredict_pe $(B)/libfuzzer/fuzz_pcrpredict_profile
