# tests/attest: attestd against swtpm (EK certificates from a test-local
# swtpm-localca), tpm2-tools and real nginx.
#
#   $(HB)/attest_certify   TPM2_Certify with qualifying data (tpm2-tools 5.4's
#                          tpm2_certify has no -q)
#   $(HB)/attest_mkelog    writes a TCG2 event log from a text spec, and the
#                          PCR values it replays to (eventlog.t)
#   check-attestd          tests/attest/*.t, in CHECK_TARGETS (quote.t also
#                          needs lethe-log, the release log's writer)

$(HB)/attest_certify: tests/attest/certify.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< -ltss2-esys -ltss2-tctildr -ltss2-mu

# pcrpredict's PCR arithmetic; the judges of eventlog.t are tpm2_eventlog and
# swtpm, not this program.
$(HB)/attest_mkelog: tests/attest/mkelog.c image/pcrpredict/pcr.c image/pcrpredict/pcr.h include/lethe_exit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote image/pcrpredict $(HOST_LDFLAGS) -o $@ $< image/pcrpredict/pcr.c -lcrypto

.PHONY: check-attestd
check-attestd: $(HB)/attestd $(HB)/attest_certify $(HB)/attest_mkelog $(HB)/lethe-log
	ATTESTD=$(HB)/attestd ATTEST_CERTIFY=$(HB)/attest_certify ATTEST_MKELOG=$(HB)/attest_mkelog \
		LETHE_LOG=$(HB)/lethe-log prove -v tests/attest/*.t

CHECK_TARGETS += check-attestd

# make bench-attest: the verifier's time per quote and TPM commands per
# attested pull (tests/attest/bench.sh; figures printed, not asserted).
.PHONY: bench-attest
bench-attest: $(HB)/configpull $(HB)/attestd $(HB)/attest_mkelog $(HB)/lethe-log
	CONFIGPULL=$(HB)/configpull ATTESTD=$(HB)/attestd ATTEST_MKELOG=$(HB)/attest_mkelog \
		LETHE_LOG=$(HB)/lethe-log tests/attest/bench.sh
