# tests/attest: attestd against swtpm (EK certificates from a test-local
# swtpm-localca), tpm2-tools and real nginx.
#
#   $(HB)/attest_certify   TPM2_Certify with qualifying data (tpm2-tools 5.4's
#                          tpm2_certify has no -q)
#   check-attestd          tests/attest/*.t, in CHECK_TARGETS

$(HB)/attest_certify: tests/attest/certify.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< -ltss2-esys -ltss2-tctildr -ltss2-mu

.PHONY: check-attestd
check-attestd: $(HB)/attestd $(HB)/attest_certify
	ATTESTD=$(HB)/attestd ATTEST_CERTIFY=$(HB)/attest_certify prove -v tests/attest/*.t

CHECK_TARGETS += check-attestd
