# image/mkcpio: the reproducible newc cpio writer, its unit tests and the
# fuzz target of its spec parser.  See image/mkcpio/spec.h for the format.

MKCPIO_MODULES := path diag spec newc archive outfile mkcpio
MKCPIO_OBJS := $(MKCPIO_MODULES:%=$(HB)/obj/mkcpio/tool/%.o)
# the parser alone: what the fuzz harness links
MKCPIO_SPEC_OBJS := $(patsubst %,$(HB)/obj/mkcpio/tool/%.o,path diag spec)
MKCPIO_TEST_MODULES := test_main test_util test_spec test_archive test_cli
MKCPIO_TEST_OBJS := $(MKCPIO_TEST_MODULES:%=$(HB)/obj/mkcpio/test/%.o)

$(HB)/obj/mkcpio/tool/%.o: image/mkcpio/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(HB)/obj/mkcpio/test/%.o: tests/unit/mkcpio/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Iimage/mkcpio -MMD -MP -c -o $@ $<

$(HB)/obj/mkcpio/fuzz/fuzz.o: tests/fuzz/mkcpio_spec/fuzz.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Iimage/mkcpio -MMD -MP -c -o $@ $<

$(HB)/mkcpio: $(MKCPIO_OBJS) $(HB)/obj/mkcpio/tool/main.o
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^

# test_cli runs the mkcpio binary found next to the test binary
$(HB)/test_mkcpio: $(MKCPIO_TEST_OBJS) $(MKCPIO_OBJS) | $(HB)/mkcpio
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ -lcmocka

# replay build of the fuzz harness: runs each corpus file once, exits 0
$(HB)/fuzz_mkcpio_spec: $(HB)/obj/mkcpio/fuzz/fuzz.o $(MKCPIO_SPEC_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^

UNIT_TESTS += $(HB)/test_mkcpio
FUZZ_REPLAYS += $(HB)/fuzz_mkcpio_spec:tests/fuzz/mkcpio_spec/corpus

# libFuzzer build, run by hand or by a time-boxed CI job, not by make check:
#   build/fuzz/mkcpio_spec -max_total_time=60 tests/fuzz/mkcpio_spec/corpus
MKCPIO_FUZZ_SRCS := tests/fuzz/mkcpio_spec/fuzz.c image/mkcpio/path.c image/mkcpio/diag.c \
	image/mkcpio/spec.c

$(B)/fuzz/mkcpio_spec: $(MKCPIO_FUZZ_SRCS) $(wildcard image/mkcpio/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iimage/mkcpio -o $@ $(MKCPIO_FUZZ_SRCS)

FUZZ_TARGETS += $(B)/fuzz/mkcpio_spec

-include $(wildcard $(HB)/obj/mkcpio/*/*.d)
