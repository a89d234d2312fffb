# The demo image and the whole-relay boot tests (issue 6).
#
#   make demo-image    the image of `make`, plus a generated demo fleet CA
#                      (FLEET_CA=$(B)/demo/fleet/ca.pem): $(O)/demo/vmlinuz,
#                      $(O)/demo/initramfs.cpio.zst.  The fleet (CA key
#                      included) lives in $(B)/demo/fleet and is never
#                      committed or released: it is a demo.
#   make run           boots the demo relay (scripts/run)
#   make check-boot-relay
#                      tests/boot/relay/*.t: lifecycle.t and waiting.t boot
#                      the demo image (issue 6, scenarios 1-8, about 5 min
#                      under TCG); privnet.t is scenario 9 at the host level
#                      (tpmseal + swtpm + a one-authority Tor network, 15 s)
#
# The default image is untouched: the demo is the same build with its own
# IMG_B and O (no FLEET_CA in build/image, out/ stays what check-repro
# compares).

DEMO_B := $(B)/demo
DEMO_O := $(O)/demo
DEMO_FLEET := $(DEMO_B)/fleet

.PHONY: demo-image run check-boot-relay

$(DEMO_FLEET)/ca.pem:
	@mkdir -p $(DEMO_B)
	rm -rf $(DEMO_FLEET).tmp
	scripts/fleet init $(DEMO_FLEET).tmp
	scripts/fleet server $(DEMO_FLEET).tmp 10.0.2.100
	mv $(DEMO_FLEET).tmp $(DEMO_FLEET)

demo-image: $(DEMO_FLEET)/ca.pem
	$(MAKE) --no-print-directory IMG_B=$(DEMO_B)/image O=$(DEMO_O) \
		FLEET_CA=$(DEMO_FLEET)/ca.pem $(DEMO_O)/vmlinuz $(DEMO_O)/initramfs.cpio.zst

run: demo-image $(HB)/configpull
	CONFIGPULL=$(HB)/configpull FLEET=$(DEMO_FLEET) KERNEL=$(DEMO_O)/vmlinuz INITRD=$(DEMO_O)/initramfs.cpio.zst scripts/run

check-boot-relay: demo-image $(HB)/configpull $(HB)/tpmseal
	CONFIGPULL=$(HB)/configpull TPMSEAL=$(HB)/tpmseal FLEET=$(DEMO_FLEET) KERNEL=$(DEMO_O)/vmlinuz INITRD=$(DEMO_O)/initramfs.cpio.zst \
	LETHE_VERSION='$(LETHE_VERSION)' LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) \
	prove -v tests/boot/relay/*.t

CHECK_TARGETS += check-boot-relay

# initd's pipeline helpers (initd/seal.c): node.conf and identity parsers.
$(HB)/test_initd_seal: tests/unit/initd/test_seal.c $(HB)/initd/seal.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/seal.o $(HB)/initd/log.o \
		$(HOST_LDFLAGS) $(INITD_TEST_LIBS)

UNIT_TESTS += $(HB)/test_initd_seal

# Fuzz target of the same parsers: replayed by make fuzz-replay; the
# libFuzzer build is run by hand:
#   build/fuzz/initd_seal -max_total_time=60 tests/fuzz/initd_seal/corpus
$(HB)/fuzz_initd_seal: tests/fuzz/initd_seal/fuzz.c $(HB)/initd/seal.o $(HB)/initd/log.o $(INITD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(INITD_TEST_CFLAGS) -o $@ $< $(HB)/initd/seal.o $(HB)/initd/log.o $(HOST_LDFLAGS)

$(B)/fuzz/initd_seal: tests/fuzz/initd_seal/fuzz.c initd/seal.c initd/seal.h initd/log.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(INITD_FUZZ_CFLAGS) -o $@ tests/fuzz/initd_seal/fuzz.c initd/seal.c initd/log.c

FUZZ_REPLAYS += $(HB)/fuzz_initd_seal:tests/fuzz/initd_seal/corpus
FUZZ_TARGETS += $(B)/fuzz/initd_seal
