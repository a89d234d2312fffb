# tpmseal: runs on the relay, links the image's tpm2-tss, libsodium and OpenSSL.
$(B)/target/tpmseal: $(wildcard tpmseal/*.c tpmseal/*.h) include/lethe_exit.h
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -o $@ $(filter %.c,$^) $(TARGET_LDFLAGS) \
		-ltss2-esys -ltss2-tctildr -ltss2-rc -lsodium -lcrypto
