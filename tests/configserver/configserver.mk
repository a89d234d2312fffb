# tests/configserver: the operator's side of telemetry (docs/observability.md)
# with the real components on loopback: reportd behind nginx (render-nginx,
# mTLS with a fleet made by scripts/fleet), the Pushgateway, Prometheus with
# the alert rules and consoles of scripts/configserver, headless Chromium and
# Tesseract for the dashboard, scripts/fleet status.
#
#   check-configserver     tests/configserver/*.t, in CHECK_TARGETS

.PHONY: check-configserver
check-configserver: $(HB)/reportd
	REPORTD=$(HB)/reportd prove -v tests/configserver/*.t

CHECK_TARGETS += check-configserver
