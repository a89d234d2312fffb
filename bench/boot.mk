# bench: boot timeline and image size, lethe against a conventional image of
# the kind Patela deploys (issue 6, figures).
#
#   make bench-boot [RUNS=3]   boots lethe and the comparison image RUNS times each
#                              (OVMF + swtpm + TCG, as tests/boot/), prints min/median/max
#                              per boot point, sizes and ratios; results in $(B)/bench/boot/.
#
# The comparison image (bench/boot/build-patela-like: Debian 13 trixie minbase, systemd,
# udev, tor, by mmdebstrap) is cached outside the clone in $(LETHE_CACHE)/bench/, keyed by
# a hash of its inputs.  lethe reaches tor-ready only with the boot tests' config server
# (tests/boot/relay.sh and the demo image): then the demo image is built and used;
# BENCH_MODE=plain boots out/ as it is and reports the points it reaches.
# Not part of `make check`: it prints figures and asserts no timings.  Its host
# packages (QEMU, OVMF, swtpm, mmdebstrap, depmod, ...) are scripts/deps's bench set,
# installed first by `scripts/deps ensure bench`.

RUNS ?= 3
BENCH_MODE ?= auto

.PHONY: bench-boot
# The sub-makes and the bench are separate recipe lines: make -n runs every
# line that names $(MAKE), and must not run the bench itself (it boots QEMU).
# The first line leaves the mode it settled on in $(B)/bench/boot-mode.
bench-boot:
	scripts/deps ensure bench
	@mkdir -p $(B)/bench; mode=$(BENCH_MODE); \
	if [[ $$mode != plain && -n '$(DEMO_O)' ]]; then \
		$(MAKE) --no-print-directory demo-image $(HB)/configpull || \
		{ echo "bench-boot: the demo image did not build: lethe in plain mode" >&2; mode=plain; }; \
	elif [[ $$mode == auto ]]; then \
		mode=plain; \
	fi; \
	if [[ $$mode == plain ]]; then $(MAKE) --no-print-directory $(O)/vmlinuz $(O)/initramfs.cpio.zst; fi; \
	echo "$$mode" > $(B)/bench/boot-mode
	RUNS='$(RUNS)' BENCH_MODE=$$(cat $(B)/bench/boot-mode) BENCH_OUT=$(B)/bench/boot \
		CONFIGPULL=$(HB)/configpull scripts/bench-boot
