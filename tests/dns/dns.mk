# tests/dns: the exit's resolver (docs/dns.md) as the image ships it: the
# image's own unbound and unbound.conf, unpacked from the initramfs and run in
# a chroot of that tree inside a private network namespace, against a signed
# private root served by NSD on loopback (tests/dns/lib.sh, the fixture the
# booted test shares).  Needs root.
#
#   check-dns    tests/dns/*.t on $(O)/initramfs.cpio.zst, in CHECK_TARGETS
#                (resolver.t skips while the image has no unbound)
#   bench-dns    scripts/bench-dns: cached and uncached lookups per second
#                through that resolver (dnsperf) and its RSS with
#                BENCH_DNS_N names cached; figures printed, not asserted;
#                results in $(B)/bench/dns.  BENCH_DNS_N (100000),
#                BENCH_DNS_SECONDS (10), BENCH_DNS_MSG_CACHE (64m),
#                BENCH_DNS_RRSET_CACHE (128m), BENCH_DNS_THREADS (1),
#                BENCH_DNS_OUTSTANDING (100) override.

BENCH_DNS_N ?= 100000
BENCH_DNS_SECONDS ?= 10
BENCH_DNS_MSG_CACHE ?= 64m
BENCH_DNS_RRSET_CACHE ?= 128m
BENCH_DNS_THREADS ?= 1
BENCH_DNS_OUTSTANDING ?= 100

.PHONY: check-dns bench-dns
check-dns: $(O)/initramfs.cpio.zst
	INITRD=$(O)/initramfs.cpio.zst LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) prove -v tests/dns/*.t

CHECK_TARGETS += check-dns

bench-dns: $(O)/initramfs.cpio.zst
	scripts/deps ensure bench
	INITRD=$(O)/initramfs.cpio.zst BENCH_OUT=$(B)/bench/dns BENCH_DNS_N=$(BENCH_DNS_N) \
		BENCH_DNS_SECONDS=$(BENCH_DNS_SECONDS) BENCH_DNS_MSG_CACHE=$(BENCH_DNS_MSG_CACHE) \
		BENCH_DNS_RRSET_CACHE=$(BENCH_DNS_RRSET_CACHE) BENCH_DNS_THREADS=$(BENCH_DNS_THREADS) \
		BENCH_DNS_OUTSTANDING=$(BENCH_DNS_OUTSTANDING) scripts/bench-dns
