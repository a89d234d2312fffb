# configpull: runs on the relay, links the image's libcurl, jansson and OpenSSL.
$(B)/target/configpull: $(wildcard configpull/*.c configpull/*.h) include/lethe_exit.h
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -o $@ $(filter %.c,$^) $(TARGET_LDFLAGS) -lcurl -ljansson -lcrypto
