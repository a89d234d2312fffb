# The demo image and the whole-relay boot tests (issue 6).
#
#   make demo-image    the image of `make`, plus a generated demo fleet CA
#                      (FLEET_CA=$(B)/demo/fleet/ca.pem): $(O)/demo/vmlinuz,
#                      $(O)/demo/initramfs.cpio.zst.  The fleet (CA key
#                      included) lives in $(B)/demo/fleet and is never
#                      committed or released: it is a demo.
#   make run           boots the demo relay (scripts/run)
#   make check-boot-relay
#                      tests/boot/relay/*.t: lifecycle.t and waiting.t boot
#                      the demo image (issue 6, scenarios 1-8, about 5 min
#                      under TCG); testnet.t is scenario 9 in the guest (the
#                      booted relay in a one-authority Tor network on the
#                      host's loopback, two boots, about 3 min); privnet.t
#                      is the same at the host level (tpmseal + swtpm, 15 s);
#                      authorized.t boots the demo-auth image (issue 7:
#                      approvals, update, rollback, the transparency log;
#                      eight boots, about 3 min); attest.t boots the demo
#                      image on a TPM with an EK certificate in a fleet that
#                      attests (attestd; one boot); telemetry.t boots the
#                      demo image on the private network with reportd, the
#                      Pushgateway and Prometheus behind nginx (issue 17;
#                      one boot); rollout.t boots two demo-auth relays one
#                      after another through a two-wave `fleet rollout`
#                      (issue 18: v1 -> v2 in two waves, then a rollout that
#                      stops when its first node fails to unseal; eight
#                      boots and a ninth with a closed window, about 4.5 min); torstate.t boots the demo image
#                      on the private network (issue 18: tor's state and
#                      its accounting across a planned reboot, a replayed
#                      older state refused, the server down; four boots, about 6 min);
#                      dns.t boots the demo image (plus the tests' DNS root)
#                      as the only exit of a private network with a host
#                      client (issue 19: streams resolved by the node's
#                      unbound, a broken signature, unbound killed and
#                      back, forward and off; one boot, about 7 min)
#   make demo-auth-image
#                      the demo image in authorized mode: plus
#                      /etc/lethe/policy.pub of a test policy key made in
#                      $(B)/demo-auth/policy.pem and /etc/lethe/log.pub of a
#                      test transparency-log key made in $(B)/demo-auth/log.key
#                      (never committed): $(O)/demo-auth/vmlinuz,
#                      $(O)/demo-auth/initramfs.cpio.zst
#
# The default image is untouched: the demo is the same build with its own
# IMG_B and O (no FLEET_CA in build/image, out/ stays what check-repro
# compares).

DEMO_B := $(B)/demo
DEMO_O := $(O)/demo
DEMO_FLEET := $(DEMO_B)/fleet

.PHONY: demo-image run check-boot-relay

$(DEMO_FLEET)/ca.pem:
	@mkdir -p $(DEMO_B)
	rm -rf $(DEMO_FLEET).tmp
	scripts/fleet init $(DEMO_FLEET).tmp
	scripts/fleet server $(DEMO_FLEET).tmp 10.0.2.100
	mv $(DEMO_FLEET).tmp $(DEMO_FLEET)

demo-image: $(DEMO_FLEET)/ca.pem
	$(MAKE) --no-print-directory IMG_B=$(DEMO_B)/image O=$(DEMO_O) \
		FLEET_CA=$(DEMO_FLEET)/ca.pem $(DEMO_O)/vmlinuz $(DEMO_O)/initramfs.cpio.zst

# The demo image in authorized mode (issue 7 booted, tests/boot/relay/authorized.t):
# the same build with /etc/lethe/policy.pub from a test policy key made here,
# never committed.  $(O)/demo-auth/{vmlinuz,initramfs.cpio.zst}.
DEMO_AUTH_B := $(B)/demo-auth
DEMO_AUTH_O := $(O)/demo-auth

.PHONY: demo-auth-image

$(DEMO_AUTH_B)/policy.pem:
	@mkdir -p -m 0700 $(@D)
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out $@.tmp) && mv -f $@.tmp $@

$(DEMO_AUTH_B)/policy.pub: $(DEMO_AUTH_B)/policy.pem
	openssl ec -in $< -pubout -out $@.tmp 2>/dev/null && mv -f $@.tmp $@

$(DEMO_AUTH_B)/log.key: | $(HB)/lethe-log
	@mkdir -p -m 0700 $(@D)
	rm -f $@ $(@D)/log.pub
	$(HB)/lethe-log keygen --name demo.lethe.invalid/log --key $@ --pub $(@D)/log.pub

demo-auth-image: $(DEMO_FLEET)/ca.pem $(DEMO_AUTH_B)/policy.pub $(DEMO_AUTH_B)/log.key
	$(MAKE) --no-print-directory IMG_B=$(DEMO_AUTH_B)/image O=$(DEMO_AUTH_O) \
		FLEET_CA=$(DEMO_FLEET)/ca.pem POLICY_PUB=$(DEMO_AUTH_B)/policy.pub \
		LOG_PUB=$(DEMO_AUTH_B)/log.pub \
		$(DEMO_AUTH_O)/vmlinuz $(DEMO_AUTH_O)/initramfs.cpio.zst

run: demo-image $(HB)/configpull
	CONFIGPULL=$(HB)/configpull FLEET=$(DEMO_FLEET) KERNEL=$(DEMO_O)/vmlinuz INITRD=$(DEMO_O)/initramfs.cpio.zst scripts/run

check-boot-relay: demo-image demo-auth-image $(HB)/configpull $(HB)/tpmseal $(HB)/pcrpredict $(HB)/lethe-log \
		$(HB)/attestd $(HB)/reportd
	CONFIGPULL=$(HB)/configpull TPMSEAL=$(HB)/tpmseal FLEET=$(DEMO_FLEET) KERNEL=$(DEMO_O)/vmlinuz INITRD=$(DEMO_O)/initramfs.cpio.zst \
	AUTH_KERNEL=$(DEMO_AUTH_O)/vmlinuz AUTH_INITRD=$(DEMO_AUTH_O)/initramfs.cpio.zst \
	POLICY_KEY=$(DEMO_AUTH_B)/policy.pem PCRPREDICT=$(HB)/pcrpredict PCR_PROFILE=$(PCR_PROFILE) \
	LOG_KEY=$(DEMO_AUTH_B)/log.key LETHE_LOG=$(HB)/lethe-log ATTESTD=$(HB)/attestd REPORTD=$(HB)/reportd \
	LETHE_VERSION='$(LETHE_VERSION)' LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) \
	prove -v tests/boot/relay/*.t

CHECK_TARGETS += check-boot-relay

# initd's pipeline helpers (initd/seal.c) have their unit test and fuzz target
# in initd/initd.mk's tables (INITD_UNIT_seal, INITD_FUZZ_seal).
