# PCR prediction tests (issue 7, build side), in make check:
#   check-predict        tests/predict/stboot.t: stboot's PCR 12/13/14 extended on
#                        a host swtpm equal the prediction; approvals made from
#                        it unseal (seconds).  tests/predict/uefi.t: UKIs booted
#                        from an ESP in QEMU/OVMF/swtpm: PCR 4, 7, 9, 11 read in
#                        the guest equal the prediction (three boots, ~100 s;
#                        PREDICT_CASES=base for one)
#   check-predict-qemu   tests/predict/qemu.t: QEMU's -kernel boot, PCR 7 and 9
#                        (one boot, ~25 s)
PREDICT_TEST_ENV = PCRPREDICT=$(HB)/pcrpredict TPMSEAL=$(HB)/tpmseal \
	ZIP=$(O)/lethe.zip DESC=$(O)/lethe.json ROOT=$(SIGN_ROOT) \
	KERNEL=$(O)/vmlinuz INITRD=$(O)/initramfs.cpio.zst PCR_PROFILE=$(PCR_PROFILE) \
	UKI_CMDLINE='$(UKI_CMDLINE)' LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE)

.PHONY: check-predict check-predict-qemu
check-predict: $(HB)/pcrpredict $(HB)/tpmseal
	$(PREDICT_TEST_ENV) prove -v tests/predict/stboot.t tests/predict/uefi.t

check-predict-qemu: $(HB)/pcrpredict
	$(PREDICT_TEST_ENV) prove -v tests/predict/qemu.t

CHECK_TARGETS += check-predict check-predict-qemu
