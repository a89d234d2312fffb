# UEFI direct boot and PCR approvals (docs/updates.md).
#
#   make uki          out/lethe.efi: a UKI (systemd-stub + kernel + initramfs +
#                     command line), reproducible, for booting from an ESP
#   make predict      out/lethe.pcrs (+ .json): the PCRs each boot path produces
#   make approvals    out/lethe.approvals: one tpmseal approval per boot path,
#                     signed with POLICY_KEY (a development key in out/dev-keys
#                     when unset)
#
# Variables:
#   UKI_CMDLINE        the UKI's kernel command line (default LETHE_CMDLINE)
#   PCR_PROFILE        UEFI platform profile (image/pcr-profiles/ovmf-q35.txt)
#   STBOOT_PROFILE     optional profile for the stboot path: its "value" lines
#                      (e.g. PCR 7 of the stboot machines) join the prediction
#   STBOOT_TLS_ROOTS   PEM file of the HTTPS roots stboot holds, measured into
#                      PCR 13 (stboot 0.2.x: its /etc/ssl/certs/isrgrootx1.pem;
#                      later: the trust policy's tls_roots.pem).  Default none:
#                      predicts a stboot with no roots (docs/stboot.md)
#   STBOOT_FETCH       stboot's ospkg_fetch_method (network)
#   STBOOT_IDENTITY    the string in TPM NV 0x01420001 ("" when absent)
#   STBOOT_HASH        double (stboot 0.2.x, default) or single
#   PREDICT_QEMU_CMDLINE  also predict QEMU's -kernel boot (path "qemu": PCR 7,
#                      9) for this -append string, e.g. scripts/run's (default:
#                      not predicted)
#   APPROVE_PCRS_UEFI, APPROVE_PCRS_STBOOT, APPROVE_PCRS_QEMU   PCRs bound per path
#   POLICY_KEY         ECDSA P-256 private key (PEM) that signs approvals
#   POLICY_PUB         public key installed as /etc/lethe/policy.pub; also
#                      derived from POLICY_KEY when that is given explicitly.
#                      Neither: the image has no policy.pub (unchanged).
#   APPROVE_EPOCH      the images' epoch in the approvals (tpmseal approve
#                      --epoch; default SOURCE_DATE_EPOCH = LETHE_EPOCH of
#                      /etc/lethe-release); empty: version-1 records, no epoch
#   APPROVE_FLAGS      further tpmseal approve arguments

IMG_B ?= $(B)/image
UKI_CMDLINE ?= $(LETHE_CMDLINE)
PCR_PROFILE ?= image/pcr-profiles/ovmf-q35.txt
STBOOT_PROFILE ?=
STBOOT_TLS_ROOTS ?=
STBOOT_FETCH ?= network
STBOOT_IDENTITY ?=
STBOOT_HASH ?= double
APPROVE_PCRS_UEFI ?= 4 7 9 11
APPROVE_PCRS_STBOOT ?= 12 13 14
APPROVE_PCRS_QEMU ?= 7 9
PREDICT_QEMU_CMDLINE ?=
POLICY_DEV_KEY := $(O)/dev-keys/policy.pem
POLICY_KEY ?= $(POLICY_DEV_KEY)
POLICY_PUB ?=
APPROVE_EPOCH ?= $(SOURCE_DATE_EPOCH)
APPROVE_FLAGS ?=

.PHONY: uki predict approvals
uki: $(O)/lethe.efi
predict: $(O)/lethe.pcrs
approvals: $(O)/lethe.approvals

$(IMG_B)/ukivars: buildvars
	@mkdir -p $(@D)
	@printf '%s\n' 'UKI_CMDLINE=$(UKI_CMDLINE)' 'LETHE_VERSION=$(LETHE_VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(IMG_B)/uki/os-release: $(IMG_B)/ukivars
	@mkdir -p $(@D)
	printf 'NAME=lethe\nID=lethe\nPRETTY_NAME="lethe %s"\nVERSION_ID=%s\n' \
		'$(LETHE_VERSION)' '$(LETHE_VERSION)' > $@.tmp && mv -f $@.tmp $@

# In the build root: its systemd-boot-efi stub (pinned by
# image/buildroot/packages.lock) and its objcopy.
$(O)/lethe.efi: $(O)/vmlinuz $(O)/initramfs.cpio.zst $(IMG_B)/uki/os-release $(IMG_B)/ukivars \
		image/uki/mkuki.sh $(BR_STAMP)
	$(BR_RUN) image/uki/mkuki.sh $@ $(O)/vmlinuz $(O)/initramfs.cpio.zst '$(UKI_CMDLINE)' \
		$(IMG_B)/uki/os-release

$(IMG_B)/predictvars: buildvars
	@mkdir -p $(@D)
	@printf '%s\n' '$(SIGN_ROOT) $(SIGN_THRESHOLD) $(STBOOT_TLS_ROOTS) $(STBOOT_FETCH)' \
		'$(STBOOT_IDENTITY)' '$(STBOOT_HASH) $(STBOOT_PROFILE) $(PCR_PROFILE)' \
		'$(PREDICT_QEMU_CMDLINE)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

# stboot measures the descriptor as served: the signed lethe.json.
$(O)/lethe.pcrs $(O)/lethe.pcrs.json &: $(O)/lethe.efi $(O)/lethe.zip $(O)/lethe.json \
		$(HB)/pcrpredict $(PCR_PROFILE) $(STBOOT_PROFILE) $(STBOOT_TLS_ROOTS) $(IMG_B)/predictvars
	$(HB)/pcrpredict predict --uki $(O)/lethe.efi --profile $(PCR_PROFILE) \
		--zip $(O)/lethe.zip --descriptor $(O)/lethe.json --root $(SIGN_ROOT) \
		--threshold $(SIGN_THRESHOLD) --fetch-method '$(STBOOT_FETCH)' \
		--identity '$(STBOOT_IDENTITY)' $(if $(filter single,$(STBOOT_HASH)),--single-hash) \
		$(if $(STBOOT_TLS_ROOTS),--tls-roots $(STBOOT_TLS_ROOTS)) \
		$(if $(STBOOT_PROFILE),--stboot-profile $(STBOOT_PROFILE)) \
		$(if $(PREDICT_QEMU_CMDLINE),--qemu-cmdline '$(PREDICT_QEMU_CMDLINE)' \
			--qemu-initrd $(O)/initramfs.cpio.zst) \
		--out $(O)/lethe.pcrs --json $(O)/lethe.pcrs.json

$(POLICY_DEV_KEY):
	@echo "make: no POLICY_KEY given: creating a DEVELOPMENT policy key $@ (never use it for a release)"
	@mkdir -p -m 0700 $(@D)
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out $@.tmp) && mv -f $@.tmp $@
	openssl ec -in $@ -pubout -out $(@D)/policy.pub 2>/dev/null

# One record per boot path, concatenated (tpmseal unseal tries each).
$(IMG_B)/approvevars: buildvars
	@mkdir -p $(@D)
	@printf '%s\n' '$(POLICY_KEY)' '$(APPROVE_PCRS_UEFI)' '$(APPROVE_PCRS_STBOOT)' '$(APPROVE_PCRS_QEMU)' \
		'$(APPROVE_EPOCH)' '$(APPROVE_FLAGS)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(O)/lethe.approvals: $(O)/lethe.pcrs $(HB)/tpmseal $(POLICY_KEY) image/uki/approve.sh \
		$(IMG_B)/approvevars
	POLICY_KEY='$(POLICY_KEY)' TPMSEAL=$(HB)/tpmseal \
	APPROVE_FLAGS='$(if $(APPROVE_EPOCH),--epoch $(APPROVE_EPOCH)) $(APPROVE_FLAGS)' \
		image/uki/approve.sh $@ $(O)/lethe.pcrs 'uefi:$(APPROVE_PCRS_UEFI)' \
		'stboot:$(APPROVE_PCRS_STBOOT)' $(if $(PREDICT_QEMU_CMDLINE),'qemu:$(APPROVE_PCRS_QEMU)')

# /etc/lethe/policy.pub, like FLEET_CA: re-evaluated every make, touched only
# when the key changes or is added or removed.
IMAGE_POLICY_PUB_SRC := $(or $(POLICY_PUB),$(if $(filter command line environment,$(origin POLICY_KEY)),$(POLICY_KEY)))
# After fleetca: that rule removes gen/etc/lethe when it finds it empty.
$(IMG_B)/policypub: buildvars $(IMAGE_POLICY_PUB_SRC) | $(IMG_B)/fleetca
	@mkdir -p $(@D)
	@if [ -n '$(POLICY_PUB)' ]; then \
		mkdir -p $(IMG_B)/gen/etc/lethe; \
		openssl pkey -pubin -in '$(POLICY_PUB)' -out $@.pub 2>/dev/null || \
			{ echo 'image: fatal: POLICY_PUB=$(POLICY_PUB) is not a PEM public key' >&2; exit 100; }; \
	elif [ -n '$(IMAGE_POLICY_PUB_SRC)' ]; then \
		openssl pkey -in '$(IMAGE_POLICY_PUB_SRC)' -pubout -out $@.pub 2>/dev/null || \
			{ echo 'image: fatal: POLICY_KEY=$(IMAGE_POLICY_PUB_SRC) is not a PEM private key' >&2; exit 100; }; \
	else rm -f $@.pub; fi
	@if [ -e $@.pub ]; then \
		openssl pkey -pubin -in $@.pub -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-256' || \
			{ rm -f $@.pub; echo 'image: fatal: the policy key is not ECDSA P-256' >&2; exit 100; }; \
		mkdir -p $(IMG_B)/gen/etc/lethe; \
		cmp -s $@.pub $(IMG_B)/gen/etc/lethe/policy.pub || cp $@.pub $(IMG_B)/gen/etc/lethe/policy.pub; \
		sha256sum < $@.pub > $@.tmp; rm -f $@.pub; \
	else rm -f $(IMG_B)/gen/etc/lethe/policy.pub; rmdir $(IMG_B)/gen/etc/lethe 2>/dev/null || true; \
		echo none > $@.tmp; fi
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(IMG_B)/rootfs.spec: $(IMG_B)/policypub
