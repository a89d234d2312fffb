# initd: PID 1, a static musl binary (no libraries in the image for it to
# need, and nothing to resolve before /proc and /dev exist).
#
#   $(B)/target/initd     the binary the image installs as /init
#   check-initd           host checks of that binary (static, size, CLI)
#   unit tests            $(HB)/test_initd_{release,mount,log,sig}

INITD_SRCS := $(sort $(wildcard initd/*.c))
INITD_HDRS := $(sort $(wildcard initd/*.h)) include/lethe_exit.h
# Binary size ceiling (bytes); the binary is well under it today.
INITD_SIZE_MAX := 102400

INITD_MUSL_FLAGS := -ffunction-sections -fdata-sections
INITD_MUSL_LDFLAGS := -Wl,--gc-sections -s

$(B)/target/initd: $(INITD_SRCS) $(INITD_HDRS)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(INITD_MUSL_FLAGS) -o $@.tmp $(INITD_SRCS) \
		$(MUSL_LDFLAGS) $(INITD_MUSL_LDFLAGS) || { rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

# Host objects of the same sources, for unit tests (SAN=1 aware via $(HB)).
$(HB)/initd/%.o: initd/%.c $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

INITD_TEST_CFLAGS := $(HOST_CFLAGS) -Iinitd
INITD_TEST_LIBS := -lcmocka

$(HB)/test_initd_release: tests/unit/initd/test_release.c $(HB)/initd/release.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/release.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

# mount(2) is wrapped at link time: the test records the calls instead of
# needing root.
$(HB)/test_initd_mount: tests/unit/initd/test_mount.c $(HB)/initd/mount.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/mount.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) -Wl,--wrap=mount $(INITD_TEST_LIBS)

$(HB)/test_initd_log: tests/unit/initd/test_log.c $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

$(HB)/test_initd_sig: tests/unit/initd/test_sig.c $(HB)/initd/sig.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/sig.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_release $(HB)/test_initd_mount $(HB)/test_initd_log \
	$(HB)/test_initd_sig

.PHONY: check-initd
check-initd: $(B)/target/initd
	INITD=$(B)/target/initd INITD_SIZE_MAX=$(INITD_SIZE_MAX) tests/unit/initd/cli.t
