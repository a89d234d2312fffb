#!/bin/bash
# The relay waits, and says why (issue 6, scenarios 5 and 4), in one boot
# of a new machine (a fresh swtpm: a wiped TPM, no identities):
#
#  5. the config server is down at boot: configpull fails and is retried
#     with backoff; when the server starts, the node enrolls and fetches its
#     document;
#  4. the document does not allow provisioning and the TPM holds no
#     identities: the node waits and says so, mints nothing, starts no tor;
#     then it powers off cleanly on ctrl-alt-del.
#
# Environment: as lifecycle.t.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"

boot_need_image

boot_init waiting
relay_init "$FLEET"
boot_swtpm_start "$BOOT_DIR/tpm"
# no nginx yet: the guestfwd leads nowhere
relay_boot
check "marker" boot_expect '^LETHE-BOOT version=' 180
check "server down: configpull fails and is retried" \
	boot_expect 'initd: warning: waiting for configpull: exited [0-9]+; retry in' 240
boot_mark
check "and retried again" boot_expect 'initd: warning: waiting for configpull: exited [0-9]+; retry in' 120
check "nothing after configpull ran" \
	bash -c '! grep -aE "starting tpmseal|LETHE-MARK config" "$1"' _ "$BOOT_DIR/serial.log"
t_up=$(boot_elapsed)
relay_nginx_start
echo "# config server started at ${t_up} s"
# the CSR may be on the console already: under guestfwd the guest's connect
# succeeds and is then closed, which configpull calls a TLS failure (exit 2)
BOOT_MARK=0
check "server up: the node enrolls (CSR on the console), signed" relay_enroll 240
relay_doc_json false 1 >"$BOOT_DIR/doc.json"
check "document without provisioning installed" relay_doc "$BOOT_DIR/doc.json"
check "the node comes up to its document (config mark)" boot_expect 'LETHE-MARK config t=' 300
echo "# document fetched at $(boot_elapsed) s (server up at ${t_up} s)"
check "wiped TPM, provisioning not allowed: waits and says so" \
	boot_expect 'initd: warning: tpmseal: no identities in this TPM, and the node document does not allow new ones' 120
boot_mark
check "and keeps waiting (retried, same answer)" \
	boot_expect 'initd: warning: tpmseal: no identities in this TPM, and the node document does not allow new ones' 120
check "no identity minted, no keys, tor not started" \
	bash -c '! grep -aE "initd: tpmseal: (provisioning [0-9]|provisioned)|initd: identity|LETHE-MARK keys|starting tor" "$1"' _ "$BOOT_DIR/serial.log"
cad='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
boot_mark
if boot_qmp send-key "$cad" >"$BOOT_DIR/qmp.out" 2>&1 && boot_wait_exit 120 &&
	boot_log_has 'reboot: Restarting system'; then
	ok "stops cleanly while waiting (ctrl-alt-del: reboot)"
else
	not_ok "stops cleanly while waiting (ctrl-alt-del: reboot)"
fi
tap_done
