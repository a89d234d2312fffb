/* Predicted PCR values, per boot path, and the two predictors. */
#ifndef PCRPREDICT_PREDICT_H
#define PCRPREDICT_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pcr.h"
#include "profile.h"

#define PREDICT_MAX 16u

struct prediction {
	const char *path;          /* "uefi" or "stboot" (static strings) */
	unsigned pcr;
	uint8_t value[PCR_BYTES];
};

struct prediction_set {
	unsigned n;
	struct prediction p[PREDICT_MAX];
};

/* UEFI direct boot of a UKI (systemd-stub 257 + Linux EFI stub), see
 * docs/updates.md for each rule:
 *   PCR 4  profile events, then Authenticode(UKI), Authenticode(.linux)
 *   PCR 7  the profile's value (required)
 *   PCR 9  profile events, then SHA-256(load options: .cmdline as UTF-16LE
 *          with its NUL), SHA-256(the stub's initrd: .initrd, then .osrel
 *          as /.extra/os-release in a cpio, each padded to 4: sdcpio.h)
 *   PCR 11 for each of 257's UKI sections (.linux .osrel .cmdline .initrd
 *          .ucode .splash .dtb .uname .sbat .pcrpkey .profile .dtbauto
 *          .hwids) present and non-empty: SHA-256(name with NUL),
 *          SHA-256(contents); .sbat is the stub's own, in every UKI
 * The UKI must have .linux, .cmdline (printable ASCII) and .initrd, and no
 * .ucode, .pcrsig, .pcrpkey or .profile (their generated initrds are not
 * predicted). */
int uefi_predict(const uint8_t *uki, size_t n, const struct profile *pr,
	struct prediction_set *out, struct tool_err *e);

/* QEMU's -kernel/-initrd/-append under OVMF (boot tests, make run): PCR 4
 * is not predictable (QEMU patches the bzImage), PCR 7 and 9 are:
 *   PCR 7  the profile's value
 *   PCR 9  profile events, then SHA-256(UTF-16LE of cmdline + " initrd=initrd",
 *          with its NUL: OVMF's loader appends that), SHA-256(initrd)
 * cmdline is the whole -append string. */
int qemu_kernel_predict(const char *cmdline, const uint8_t initrd_digest[PCR_BYTES],
	const struct profile *pr, struct prediction_set *out, struct tool_err *e);

/* What stboot (v0.2.x, source snapshot 3934def) extends for an OS package. */
struct stboot_inputs {
	const uint8_t *zip_digest;      /* SHA-256 of the zip, 32 bytes */
	const uint8_t *desc;            /* the descriptor as served */
	size_t desc_len;
	unsigned threshold;             /* trust policy ospkg_signature_threshold */
	const char *fetch_method;       /* "network" or "initramfs" */
	const uint8_t *root_der;        /* signing root, DER */
	size_t root_len;
	const uint8_t *tls_der;         /* HTTPS roots, DER concatenated (may be empty) */
	size_t tls_len;
	const char *identity;           /* NV 0x01420001 contents, "" if absent */
	int single_hash;                /* 1: extend the digest itself (no quirk) */
};

/*   PCR 12  X(SHA-256(zip)), X(SHA-256(descriptor))
 *   PCR 13  X(SHA-256(compact trust policy JSON)), X(SHA-256(root DER)),
 *           X(SHA-256(TLS roots DER))
 *   PCR 14  X(SHA-256(identity))
 * where X(d) extends SHA-256(d): stboot passes the digest to u-root's
 * tss.Measure, which hashes its input again (single_hash: X(d) extends d). */
int stboot_predict(const struct stboot_inputs *in, struct prediction_set *out,
	struct tool_err *e);

/* The trust policy as stboot re-serializes it (Go json.Marshal, field
 * order of trust.Policy).  Returns the length or -1 if it does not fit. */
int stboot_policy_json(unsigned threshold, const char *fetch_method, char *out, size_t cap);

int prediction_add(struct prediction_set *s, const char *path, unsigned pcr,
	const uint8_t v[PCR_BYTES], struct tool_err *e);

#endif
