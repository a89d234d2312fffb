# unbound, the exit relay's validating resolver (include/lethe_dns.h), built
# lean in the build root from Debian's pinned bookworm source
# (image/unbound/source.lock): the daemon only, with libevent and OpenSSL,
# installed as /usr/sbin/unbound.
#
#   make build/unbound/unbound     fetch + verify the source, build, strip
#   make check-unbound-repro       two more builds in other directories (one
#                                  serial), byte-compared with the first
#
# The source is fetched on the host (the build root has no network); build.sh
# runs inside the root, verifies the source again and writes the daemon under
# a temporary name, renamed into place only when it is complete and checked
# (features, NEEDED, no build path, unbound -V).  OMP_NUM_THREADS goes
# through env inside the root: buildroot.sh run resets the environment.

UNBOUND_B := $(B)/unbound
UNBOUND_INPUTS := image/unbound/source.lock image/srcpkg.sh image/apt.sh image/srcbuild.sh image/unbound/build.sh

.PHONY: check-unbound-repro

$(UNBOUND_B)/unbound: $(UNBOUND_INPUTS) $(BR_STAMP)
	image/srcpkg.sh fetch image/unbound/source.lock
	$(BR_RUN) image/unbound/build.sh $(UNBOUND_B) image/unbound/source.lock

check-unbound-repro: $(UNBOUND_B)/unbound
	rm -rf $(B)/unbound-repro
	$(BR_RUN) image/unbound/build.sh $(B)/unbound-repro/one image/unbound/source.lock
	$(BR_RUN) env OMP_NUM_THREADS=1 image/unbound/build.sh $(B)/unbound-repro/two/deeper image/unbound/source.lock
	cmp $< $(B)/unbound-repro/one/unbound
	cmp $< $(B)/unbound-repro/two/deeper/unbound
	rm -rf $(B)/unbound-repro
	@echo "unbound: three builds, byte-identical"
