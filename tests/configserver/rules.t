#!/usr/bin/env bash
# The Prometheus side of scripts/configserver (docs/observability.md, "The
# operator's side"), checked by promtool: the alert rules are valid and
# pass their unit tests (lethe.rules.test.yml: each alert fires on a sick
# node and not on a healthy one), and render-prometheus writes a valid
# configuration (and refuses a bad PUSHGATEWAY or INTERVAL).
set -eu -o pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/tap.sh
. tests/tap.sh
command -v promtool >/dev/null || { echo "Bail out! promtool is missing (scripts/deps ensure test)"; exit 1; }
T=$(tap_scratch configserver-rules) || exit 1
trap 'rm -rf "$T"' EXIT
TAP_CAPTURE=$T
tap_plan 6

check "promtool check rules: lethe.rules.yml" promtool check rules scripts/configserver/lethe.rules.yml
check "promtool test rules: every alert fires on a sick node, none on a healthy one" \
	promtool test rules tests/configserver/lethe.rules.test.yml
check "render-prometheus: a valid configuration with the rules" bash -c "
	PUSHGATEWAY=127.0.0.1:19091 INTERVAL=5s scripts/configserver/render-prometheus >'$T/prometheus.yml' &&
	promtool check config '$T/prometheus.yml' && grep -q \"targets: \\['127.0.0.1:19091'\\]\" '$T/prometheus.yml' &&
	grep -q 'honor_labels: true' '$T/prometheus.yml'"
check "render-prometheus refuses a PUSHGATEWAY without a port" bash -c "
	PUSHGATEWAY=127.0.0.1 scripts/configserver/render-prometheus >/dev/null 2>&1; test \$? = 100"
check "render-prometheus refuses an INTERVAL that is no duration" bash -c "
	INTERVAL='1s; x' scripts/configserver/render-prometheus >/dev/null 2>&1; test \$? = 100"
check "render-nginx refuses a PUSHGATEWAY that would change the configuration" bash -c "
	PUSHGATEWAY='127.0.0.1:9091; }' scripts/configserver/render-nginx /f /r 127.0.0.1:1 n off >/dev/null 2>&1; test \$? = 100"
tap_done
