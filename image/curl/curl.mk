# The lean libcurl: HTTP and HTTPS over OpenSSL, built in the build root from
# Debian's pinned trixie curl source (image/curl/source.lock), ABI-compatible
# with Debian's libcurl4t64.
#
#   make build/curl/libcurl.so.4   fetch + verify the source, build, strip
#   make test-curl-lean            tests/image/curl-lean.t on that library
#   make check-curl-repro          two more builds in other directories (one
#                                  serial), byte-compared with the first
#
# The source is fetched on the host (the build root has no network); build.sh
# runs inside the root, verifies the source again and writes the library under
# a temporary name, renamed into place only when it is complete and checked
# (SONAME, symbol version, NEEDED).  OMP_NUM_THREADS goes through env inside
# the root: buildroot.sh run resets the environment.

CURL_B := $(B)/curl
CURL_INPUTS := image/curl/source.lock image/srcpkg.sh image/apt.sh image/srcbuild.sh image/curl/build.sh

.PHONY: test-curl-lean check-curl-repro

$(CURL_B)/libcurl.so.4: $(CURL_INPUTS) $(BR_STAMP)
	image/srcpkg.sh fetch image/curl/source.lock
	$(BR_RUN) image/curl/build.sh $(CURL_B) image/curl/source.lock

test-curl-lean: $(CURL_B)/libcurl.so.4
	LEAN_CURL=$< prove -v tests/image/curl-lean.t

check-curl-repro: $(CURL_B)/libcurl.so.4
	rm -rf $(B)/curl-repro
	$(BR_RUN) image/curl/build.sh $(B)/curl-repro/one image/curl/source.lock
	$(BR_RUN) env OMP_NUM_THREADS=1 image/curl/build.sh $(B)/curl-repro/two/deeper image/curl/source.lock
	cmp $< $(B)/curl-repro/one/libcurl.so.4
	cmp $< $(B)/curl-repro/two/deeper/libcurl.so.4
	rm -rf $(B)/curl-repro
	@echo "lean libcurl: three builds, byte-identical"
