# The build root (image/buildroot/buildroot.sh): made from
# image/buildroot/packages.lock on first use, cached in
# $(LETHE_CACHE)/buildroot keyed by the lock.  The stamp holds the root's path;
# every rule that compiles for the image depends on it and runs its compiler
# through $(BR_RUN) (see the Makefile).
$(BR_STAMP): image/buildroot/packages.lock image/buildroot/buildroot.sh image/apt.sh image/debs.sh
	@mkdir -p $(@D)
	$(BUILDROOT) ensure > $@.tmp
	@# Touched only when the root changes: editing the scripts alone does not
	@# rebuild every program.
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

.PHONY: buildroot-shell
# An interactive shell in the build root, for a developer's look around.
buildroot-shell: $(BR_STAMP)
	$(BR_RUN) bash
