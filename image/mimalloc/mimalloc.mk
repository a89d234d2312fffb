# mimalloc 2.0.9, the relay's allocator, built in the build root from Debian's
# pinned bookworm source (image/mimalloc/source.lock) the way Debian builds
# libmimalloc2.0: trixie ships only 3.x.
#
#   make build/mimalloc/libmimalloc.so.2   fetch + verify the source, build, strip
#   make check-mimalloc-repro              two more builds in other directories (one
#                                          serial), byte-compared with the first
#
# The source is fetched on the host (the build root has no network); build.sh
# runs inside the root, verifies the source again and writes the library under
# a temporary name, renamed into place only when it is complete and checked
# (SONAME, NEEDED, malloc exports, no build path, loads with LD_PRELOAD).
# OMP_NUM_THREADS goes through env inside the root: buildroot.sh run resets
# the environment.

MIMALLOC_B := $(B)/mimalloc
MIMALLOC_INPUTS := image/mimalloc/source.lock image/srcpkg.sh image/apt.sh image/srcbuild.sh image/mimalloc/build.sh

.PHONY: check-mimalloc-repro

$(MIMALLOC_B)/libmimalloc.so.2: $(MIMALLOC_INPUTS) $(BR_STAMP)
	image/srcpkg.sh fetch image/mimalloc/source.lock
	$(BR_RUN) image/mimalloc/build.sh $(MIMALLOC_B) image/mimalloc/source.lock

check-mimalloc-repro: $(MIMALLOC_B)/libmimalloc.so.2
	rm -rf $(B)/mimalloc-repro
	$(BR_RUN) image/mimalloc/build.sh $(B)/mimalloc-repro/one image/mimalloc/source.lock
	$(BR_RUN) env OMP_NUM_THREADS=1 image/mimalloc/build.sh $(B)/mimalloc-repro/two/deeper image/mimalloc/source.lock
	cmp $< $(B)/mimalloc-repro/one/libmimalloc.so.2
	cmp $< $(B)/mimalloc-repro/two/deeper/libmimalloc.so.2
	rm -rf $(B)/mimalloc-repro
	@echo "mimalloc: three builds, byte-identical"
