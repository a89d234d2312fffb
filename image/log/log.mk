# The release transparency log (docs/transparency.md).
#
#   make publish      appends this build's entry (scripts/log-record) to the log
#                     in LOG_DIR, signs a new checkpoint with LOG_KEY and writes
#                     out/lethe.logproof, the entry's tlog-proof@v1 (serve it at
#                     /v1/logproofs next to out/lethe.approvals)
#   make log-key      the DEVELOPMENT log key, made on first use (never for a
#                     release): LOG_HOME/log.key (0600) and LOG_HOME/log.pub
#   make audit VERSION=V   rebuilds the commit of the logged entry V in a
#                     scratch clone and compares every hash (scripts/log-audit;
#                     AUDIT_LOG, AUDIT_PUB: another log, e.g. an https:// one;
#                     AUDIT_WORK, AUDIT_MAKEFLAGS, AUDIT_PREDICT_FLAGS,
#                     PREDICT_QEMU_CMDLINE, DESCRIPTOR, SIGN_ROOT: see the script)
#
# Variables:
#   LOG_HOME     the development log's home, outside the clone (the
#                operator's release machine): ~/.local/share/lethe/dev-log
#   LOG_DIR      the log's directory: tiles, entries, checkpoint, served as is
#                by any web server (LOG_HOME/log)
#   LOG_KEY      the log's signed-note private key (LOG_HOME/log.key)
#   LOG_ORIGIN   the development key's name, the log's origin line
#                (dev.lethe.invalid/log); a release log's is the schema-less
#                URL it is served at
#   LOG_PUB      the verifier key installed as /etc/lethe/log.pub.  Required
#                whenever the image has /etc/lethe/policy.pub (authorized
#                mode): such a node counts only logged approvals, and a node
#                without the key would unseal for none
#   PUBLISH_DIRTY=1   allows publishing a build of a modified tree (tests)
#   LETHE_COMMIT the commit the entry names (default: git's HEAD)

IMG_B ?= $(B)/image
LOG_HOME ?= $(HOME)/.local/share/lethe/dev-log
LOG_DIR ?= $(LOG_HOME)/log
LOG_KEY ?= $(LOG_HOME)/log.key
LOG_ORIGIN ?= dev.lethe.invalid/log
LOG_PUB ?=
PUBLISH_DIRTY ?=
LETHE_COMMIT ?= $(shell git -C $(TOP) rev-parse HEAD 2>/dev/null)

.PHONY: publish log-key audit
log-key: $(LOG_KEY)

$(LOG_HOME)/log.key: | $(HB)/lethe-log
	@echo "make: creating the DEVELOPMENT transparency-log key $@ (never use it for a release)"
	@mkdir -p -m 0700 $(@D)
	$(HB)/lethe-log keygen --name '$(LOG_ORIGIN)' --key $@ --pub $(@D)/log.pub

publish: $(O)/lethe.pcrs $(O)/lethe.approvals $(O)/SHA256SUMS $(HB)/lethe-log $(LOG_KEY) \
		scripts/log-record scripts/log-publish
	@case '$(LETHE_VERSION)' in *-dirty) [ '$(PUBLISH_DIRTY)' = 1 ] || { \
		echo 'publish: fatal: $(LETHE_VERSION) is a modified tree: commit first (PUBLISH_DIRTY=1 for tests)' >&2; \
		exit 100; } ;; esac
	scripts/log-record $(O) '$(LETHE_VERSION)' '$(LETHE_COMMIT)' '$(SOURCE_DATE_EPOCH)' \
		'$(APPROVE_EPOCH)' > $(O)/lethe.logentry.tmp
	mv -f $(O)/lethe.logentry.tmp $(O)/lethe.logentry
	LETHE_LOG=$(HB)/lethe-log scripts/log-publish '$(LOG_DIR)' '$(LOG_KEY)' \
		'$(patsubst %.key,%.pub,$(LOG_KEY))' $(O)/lethe.logentry $(O)/lethe.logproof

# /etc/lethe/log.pub, like policy.pub: re-evaluated every make, touched only
# when the key changes or is added or removed.  The format is checked here
# by shape (name+8 hex+base64 of 33 bytes); tpmseal checks it fully.
$(IMG_B)/logpub: buildvars $(LOG_PUB) $(IMG_B)/policypub | $(IMG_B)/fleetca
	@mkdir -p $(@D)
	@if [ -n '$(LOG_PUB)' ]; then \
		[ "$$(wc -l < '$(LOG_PUB)')" -le 1 ] && \
		grep -Eqx '[!-*,-~]{1,128}\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}' '$(LOG_PUB)' || \
			{ echo 'image: fatal: LOG_PUB=$(LOG_PUB) is not a signed-note Ed25519 verifier key (NAME+ID+KEY)' >&2; exit 100; }; \
		mkdir -p $(IMG_B)/gen/etc/lethe; \
		cmp -s '$(LOG_PUB)' $(IMG_B)/gen/etc/lethe/log.pub || cp '$(LOG_PUB)' $(IMG_B)/gen/etc/lethe/log.pub; \
		sha256sum < '$(LOG_PUB)' > $@.tmp; \
	elif ! grep -qx none $(IMG_B)/policypub; then \
		echo 'image: fatal: authorized mode (/etc/lethe/policy.pub) needs the transparency log key: LOG_PUB=FILE (docs/transparency.md; make log-key makes a development one)' >&2; \
		exit 100; \
	else rm -f $(IMG_B)/gen/etc/lethe/log.pub; rmdir $(IMG_B)/gen/etc/lethe 2>/dev/null || true; \
		echo none > $@.tmp; fi
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(IMG_B)/rootfs.spec: $(IMG_B)/logpub

# The log and key an audit reads: this machine's log by default, or any
# served one (AUDIT_LOG=https://..., AUDIT_PUB=its verifier key).
AUDIT_LOG ?= $(LOG_DIR)
AUDIT_PUB ?= $(or $(LOG_PUB),$(patsubst %.key,%.pub,$(LOG_KEY)))
audit: $(HB)/lethe-log $(HB)/pcrpredict
	@[ -n '$(VERSION)' ] || { echo 'audit: fatal: which release? make audit VERSION=V' >&2; exit 100; }
	LETHE_LOG=$(HB)/lethe-log PCRPREDICT=$(HB)/pcrpredict PCR_PROFILE=$(PCR_PROFILE) \
	PREDICT_QEMU_CMDLINE='$(PREDICT_QEMU_CMDLINE)' DESCRIPTOR='$(DESCRIPTOR)' SIGN_ROOT='$(SIGN_ROOT)' \
	AUDIT_WORK='$(AUDIT_WORK)' AUDIT_MAKEFLAGS='$(AUDIT_MAKEFLAGS)' AUDIT_PREDICT_FLAGS='$(AUDIT_PREDICT_FLAGS)' \
		scripts/log-audit '$(AUDIT_LOG)' '$(AUDIT_PUB)' '$(VERSION)'
