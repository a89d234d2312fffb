# elfclosure: the shared-library closure of the relay's programs, computed
# from the ELF files in the staging root (see image/elfclosure/closure.h).

ELFCLOSURE_LIB_SRCS := $(addprefix image/elfclosure/,elf.c rootfs.c closure.c rootlist.c)
ELFCLOSURE_LIB_OBJS := $(patsubst %.c,$(HB)/%.o,$(ELFCLOSURE_LIB_SRCS))
ELFCLOSURE_HDRS := $(wildcard image/elfclosure/*.h) include/lethe_exit.h
ELFCLOSURE_TEST_SRCS := $(sort $(wildcard tests/unit/elfclosure/*.c))
ELFCLOSURE_TEST_HDRS := $(wildcard tests/unit/elfclosure/*.h)

$(HB)/image/elfclosure/%.o: image/elfclosure/%.c $(ELFCLOSURE_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(HB)/elfclosure: $(HB)/image/elfclosure/main.o $(ELFCLOSURE_LIB_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^

# The tests build a fake root with the host cc at run time, and run the
# binary itself for the exit-code and message checks.
$(HB)/test_elfclosure: $(ELFCLOSURE_TEST_SRCS) $(ELFCLOSURE_TEST_HDRS) $(ELFCLOSURE_LIB_OBJS) \
		$(ELFCLOSURE_HDRS) $(HB)/elfclosure
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote image/elfclosure -DELFCLOSURE_BIN='"$(HB)/elfclosure"' \
		$(HOST_LDFLAGS) -o $@ $(ELFCLOSURE_TEST_SRCS) $(ELFCLOSURE_LIB_OBJS) -lcmocka

UNIT_TESTS += $(HB)/test_elfclosure

# Corpus replay in every build; the same source under libFuzzer with
#   make build/libfuzzer/fuzz_elfclosure_elf
#   build/libfuzzer/fuzz_elfclosure_elf -max_total_time=60 tests/fuzz/elfclosure_elf/corpus
$(HB)/fuzz_elfclosure_elf: tests/fuzz/elfclosure_elf/fuzz.c $(HB)/image/elfclosure/elf.o \
		$(ELFCLOSURE_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote image/elfclosure $(HOST_LDFLAGS) -o $@ \
		tests/fuzz/elfclosure_elf/fuzz.c $(HB)/image/elfclosure/elf.o

FUZZ_REPLAYS += $(HB)/fuzz_elfclosure_elf:tests/fuzz/elfclosure_elf/corpus

$(B)/libfuzzer/fuzz_elfclosure_elf: tests/fuzz/elfclosure_elf/fuzz.c image/elfclosure/elf.c \
		$(ELFCLOSURE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote image/elfclosure \
		-o $@ tests/fuzz/elfclosure_elf/fuzz.c image/elfclosure/elf.c

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_elfclosure_elf
