# tests/log: lethe-log end to end (tests/log/log.t): appends, proofs,
# tampering, and the monitor over HTTPS with real nginx on loopback; and
# make publish + make audit on this checkout's build (tests/log/audit.t:
# one rebuild of the commit in a scratch clone, a few minutes).
#
#   check-log     log.t and interop.t (the log read by Go's reference
#                 sumdb/note and sumdb/tlog), in CHECK_TARGETS
#   check-audit   audit.t, in CHECK_TARGETS

.PHONY: check-log
check-log: $(HB)/lethe-log
	LETHE_LOG=$(HB)/lethe-log prove -v tests/log/log.t tests/log/interop.t

CHECK_TARGETS += check-log

.PHONY: check-audit
check-audit: all $(HB)/lethe-log $(HB)/pcrpredict
	LETHE_LOG=$(HB)/lethe-log prove -v tests/log/audit.t

CHECK_TARGETS += check-audit

