# tests/rollout: scripts/fleet rollout (docs/rollouts.md) against the fleet
# server's real pieces on loopback: nginx as rendered (mTLS), reportd, the
# Pushgateway; releases logged with lethe-log and approved with tpmseal
# approve (checked by tpmseal approved); documents checked by configpull;
# the real lethe-telemetry's report of a rollout (agent.t).
#
#   check-rollout   tests/rollout/*.t, in CHECK_TARGETS

.PHONY: check-rollout
check-rollout: $(HB)/reportd $(HB)/configpull $(HB)/lethe-log $(HB)/tpmseal $(HB)/lethe-telemetry
	REPORTD=$(HB)/reportd CONFIGPULL=$(HB)/configpull LETHE_LOG=$(HB)/lethe-log TPMSEAL=$(HB)/tpmseal \
	LETHE_TELEMETRY=$(HB)/lethe-telemetry LETHE_TIMEOUT_SCALE=$(TIMEOUT_SCALE) prove -v tests/rollout/*.t

CHECK_TARGETS += check-rollout
