# The image pipeline (docs/architecture.md has the picture):
#
#   packages.lock -> fetch + verify -> stage (merged /usr) -+-> plan -> rootfs.spec -> mkcpio -> zstd
#   our programs (initd, tpmseal, configpull,               |         (+ origins -> manifest.txt)
#   lethe-telemetry), libcurl, mimalloc and unbound,       -+
#   compiled in the build root (image/buildroot)            |
#   kernel package -> vmlinuz, modules.sh -> modules -------+
#   vmlinuz + initramfs + cmdline -> ospkg create -> lethe.zip + lethe.unsigned.json (reproducible)
#   -> ospkg sign (one signature per key:cert pair) -> lethe.json
#
# Everything before signing is bit-for-bit reproducible: `make check-repro`.

LOCK ?= image/packages.lock
IMG_B ?= $(B)/image
# Kernel command line stored in the OS package manifest (and so measured).
LETHE_CMDLINE ?= console=tty0 console=ttyS0,115200 panic=10
# The descriptor's os_pkg_url: where stboot fetches the zip from (docs/stboot.md).
# An absolute http(s) URL works with every stboot (0.2.x accepts nothing else),
# a relative one only with stboot 0.4+; empty (the default) builds a package
# that stboot 0.2.x refuses to network-boot, and make warns when it writes
# that descriptor.
OS_PKG_URL ?=
# The compressor is part of the reproducible output: pinned level, one thread.
ZSTD_FLAGS := -19 -T1 --no-progress -q
# Signing: space-separated KEY:CERT pairs (Ed25519 PKCS#8 key, X.509 leaf).
# Without them, make creates development keys in out/dev-keys (never release them).
DEV_KEYS := $(O)/dev-keys
SIGN_KEYS ?= $(DEV_KEYS)/dev-leaf.key:$(DEV_KEYS)/dev-leaf.pem
SIGN_ROOT ?= $(DEV_KEYS)/root.pem
SIGN_THRESHOLD ?= 1
# The fleet CA (PEM) that configpull trusts, installed as /etc/lethe/fleet-ca.pem.
# Empty: the image has no fleet CA and configpull says so at boot.
FLEET_CA ?=

OVERLAY_FILES := $(shell find rootfs-overlay -type f 2>/dev/null | LC_ALL=C sort)
# Libraries (the lean libcurl, mimalloc 2.0.9, into /usr/lib/x86_64-linux-gnu)
# and programs (unbound, into /usr/sbin) built from pinned Debian sources, and
# their origins in out/manifest.txt: SOURCE-source=VERSION.
src_origin = $(shell awk '$$1 == "source" { s = $$2 } $$1 == "version" { v = $$2 } END { print s "-source=" v }' $(1))
BUILT_LIBS := $(B)/curl/libcurl.so.4=$(call src_origin,image/curl/source.lock) \
	$(B)/mimalloc/libmimalloc.so.2=$(call src_origin,image/mimalloc/source.lock)
BUILT_BINS := $(B)/unbound/unbound=$(call src_origin,image/unbound/source.lock)
BUILT_FILES := $(foreach l,$(BUILT_LIBS) $(BUILT_BINS),$(firstword $(subst =, ,$(l))))
IMAGE_INPUTS := image/base.spec image/roots.list image/package-files.list image/busybox.applets \
	image/plan.sh $(OVERLAY_FILES)

.PHONY: image sign verify update-lock keys buildvars
image: $(O)/vmlinuz $(O)/initramfs.cpio.zst $(O)/lethe.zip $(O)/lethe.unsigned.json \
	$(O)/manifest.txt $(O)/SHA256SUMS
sign: $(O)/lethe.json

# Build parameters that change outputs without changing a file: rewritten only
# when they differ, so an unchanged build stays a no-op.
$(IMG_B)/buildvars: buildvars
	@mkdir -p $(@D)
	@printf '%s\n' 'LETHE_VERSION=$(LETHE_VERSION)' 'LETHE_EPOCH=$(SOURCE_DATE_EPOCH)' \
		'LETHE_CMDLINE=$(LETHE_CMDLINE)' 'OS_PKG_URL=$(OS_PKG_URL)' 'ZSTD_FLAGS=$(ZSTD_FLAGS)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
buildvars: ;

$(IMG_B)/signvars: buildvars
	@mkdir -p $(@D)
	@printf '%s\n' '$(SIGN_KEYS)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(IMG_B)/debs.stamp: $(LOCK) image/debs.sh
	@mkdir -p $(@D)
	image/debs.sh fetch $(LOCK)
	image/debs.sh stage $(LOCK) $(IMG_B)/stage $(IMG_B)/owners $(IMG_B)/kernel
	touch $@

# depmod's indexes and zstd's stream are bytes of the image: both tools run
# in the build root (its kmod and zstd), never the host's.
$(IMG_B)/modules.stamp: $(IMG_B)/debs.stamp image/modules.list image/modules.sh $(BR_STAMP)
	$(BR_RUN) image/modules.sh $(IMG_B)/kernel image/modules.list $(IMG_B)/modules > $(IMG_B)/kernel-version
	touch $@

$(IMG_B)/gen/etc/lethe-release: $(IMG_B)/buildvars
	@mkdir -p $(@D)
	printf 'LETHE_VERSION=%s\nLETHE_EPOCH=%s\n' '$(LETHE_VERSION)' '$(SOURCE_DATE_EPOCH)' > $@

# Re-evaluated on every make (like buildvars), touched only when the CA
# changes or is added or removed, so the image is rebuilt exactly then.
$(IMG_B)/fleetca: buildvars $(FLEET_CA)
	@mkdir -p $(@D)
	@if [ -n '$(FLEET_CA)' ]; then \
		mkdir -p $(IMG_B)/gen/etc/lethe; \
		openssl x509 -in '$(FLEET_CA)' -noout 2>/dev/null || \
			{ echo 'image: fatal: FLEET_CA=$(FLEET_CA) is not a PEM certificate' >&2; exit 100; }; \
		cmp -s '$(FLEET_CA)' $(IMG_B)/gen/etc/lethe/fleet-ca.pem || \
			cp '$(FLEET_CA)' $(IMG_B)/gen/etc/lethe/fleet-ca.pem; \
		sha256sum < $(IMG_B)/gen/etc/lethe/fleet-ca.pem > $@.tmp; \
	else rm -f $(IMG_B)/gen/etc/lethe/fleet-ca.pem; rmdir $(IMG_B)/gen/etc/lethe 2>/dev/null || true; \
		echo none > $@.tmp; fi
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(IMG_B)/rootfs.spec $(IMG_B)/rootfs.origins &: $(IMG_B)/debs.stamp $(IMG_B)/modules.stamp \
		$(IMG_B)/gen/etc/lethe-release $(IMG_B)/fleetca $(B)/target/initd $(B)/target/tpmseal \
		$(B)/target/configpull $(B)/target/lethe-telemetry $(B)/target/lethe-state $(HB)/elfclosure $(BUILT_FILES) \
		$(IMAGE_INPUTS)
	BUILT_LIBS='$(BUILT_LIBS)' BUILT_BINS='$(BUILT_BINS)' \
	STAGE=$(IMG_B)/stage OWNERS=$(IMG_B)/owners KPKG=$$(cat $(IMG_B)/kernel/package) \
	MODS=$(IMG_B)/modules TARGET=$(B)/target GEN=$(IMG_B)/gen ELFCLOSURE=$(HB)/elfclosure \
	IMAGE=image OVERLAY=rootfs-overlay image/plan.sh $(IMG_B)/rootfs.spec $(IMG_B)/rootfs.origins

$(IMG_B)/initramfs.cpio: $(IMG_B)/rootfs.spec $(HB)/mkcpio
	$(HB)/mkcpio -t $(SOURCE_DATE_EPOCH) -o $@ $(IMG_B)/rootfs.spec

$(O)/initramfs.cpio.zst: $(IMG_B)/initramfs.cpio $(IMG_B)/buildvars $(BR_STAMP)
	@mkdir -p $(@D)
	$(BR_RUN) zstd $(ZSTD_FLAGS) -f -o $@.tmp $< && mv -f $@.tmp $@

$(O)/vmlinuz: $(IMG_B)/modules.stamp
	@mkdir -p $(@D)
	cp $(IMG_B)/kernel/boot/vmlinuz-$$(cat $(IMG_B)/kernel-version) $@.tmp && mv -f $@.tmp $@

$(O)/lethe.zip $(O)/lethe.unsigned.json &: $(O)/vmlinuz $(O)/initramfs.cpio.zst $(HB)/ospkg \
		$(IMG_B)/buildvars
	$(HB)/ospkg create --kernel $(O)/vmlinuz --initramfs $(O)/initramfs.cpio.zst \
		--cmdline '$(LETHE_CMDLINE)' --label 'lethe $(LETHE_VERSION)' --url '$(OS_PKG_URL)' \
		--zip $(O)/lethe.zip --descriptor $(O)/lethe.unsigned.json

# Every file of the image: sha256, mode, owner, type, path, and where it came
# from (Debian package=version, lethe, rootfs-overlay, generated).
$(O)/manifest.txt: $(IMG_B)/rootfs.spec $(IMG_B)/rootfs.origins $(LOCK) image/manifest.sh
	@mkdir -p $(@D)
	image/manifest.sh $(IMG_B)/rootfs.spec $(IMG_B)/rootfs.origins $(LOCK) > $@.tmp && mv -f $@.tmp $@

$(O)/SHA256SUMS: $(O)/vmlinuz $(O)/initramfs.cpio.zst $(O)/lethe.zip $(O)/lethe.unsigned.json \
		$(O)/manifest.txt $(O)/lethe.efi
	(cd $(O) && sha256sum vmlinuz initramfs.cpio.zst lethe.zip lethe.unsigned.json manifest.txt lethe.efi) > $@.tmp
	mv -f $@.tmp $@

# Signing happens after the reproducible build, over its bytes.  The signed
# descriptor is assembled under a temporary name: a missing key leaves no
# half-signed out/lethe.json behind.
# An empty OS_PKG_URL is a warning, not an error (local tests and the UKI need
# no URL); it is printed by $(shell) while make expands the recipe, so that
# `make -n` shows it too.  The descriptor's bytes are the same either way.
OS_PKG_URL_WARNING = make: warning: OS_PKG_URL is empty: $(O)/lethe.json has "os_pkg_url": ""; \
	stboot (network boot) refuses such a package; set OS_PKG_URL=https://.../lethe.zip (docs/stboot.md)
$(O)/lethe.json: $(O)/lethe.zip $(O)/lethe.unsigned.json $(HB)/ospkg $(IMG_B)/signvars \
		$(if $(filter $(DEV_KEYS)/%,$(SIGN_KEYS)),$(DEV_KEYS)/dev-leaf.pem)
	$(if $(strip $(OS_PKG_URL)),,$(shell printf '%s\n' '$(OS_PKG_URL_WARNING)' >&2))cp $(O)/lethe.unsigned.json $@.tmp
	for pair in $(SIGN_KEYS); do \
		$(HB)/ospkg sign --key "$${pair%%:*}" --cert "$${pair#*:}" --zip $(O)/lethe.zip \
			--descriptor $@.tmp || { rm -f $@.tmp; exit 100; }; \
	done
	mv -f $@.tmp $@

$(DEV_KEYS)/dev-leaf.pem:
	@echo "make: no SIGN_KEYS given: creating DEVELOPMENT signing keys in $(DEV_KEYS) (never use them for a release)"
	scripts/ospkg-keys root $(DEV_KEYS) "lethe DEVELOPMENT signing root" 3650
	scripts/ospkg-keys leaf $(DEV_KEYS) dev-leaf 3650

verify: $(O)/lethe.json $(HB)/ospkg
	$(HB)/ospkg verify --root $(SIGN_ROOT) --threshold $(SIGN_THRESHOLD) \
		--zip $(O)/lethe.zip --descriptor $(O)/lethe.json

keys:
	@cat docs/signing-keys.txt

# Re-resolve every lock against the apt archive (docs/operating.md, "A tor or
# Debian security release"): the build root first (our programs are then
# rebuilt in it), the pinned sources, then image/packages.list: pin every
# dependency, build a trial plan with all of them, and keep in the lock only
# the packages that put at least one file into the image.
.PHONY: update-lock update-lock-image
update-lock:
	$(BUILDROOT) lock
	image/update-lock.sh sources
	$(MAKE) --no-print-directory update-lock-image

update-lock-image: $(B)/target/initd $(B)/target/tpmseal $(B)/target/configpull \
		$(B)/target/lethe-telemetry $(B)/target/lethe-state $(HB)/elfclosure \
		$(BUILT_FILES)
	BUILT_LIBS='$(BUILT_LIBS)' BUILT_BINS='$(BUILT_BINS)' B=$(B) HB=$(HB) image/update-lock.sh image
