/* torkey: tor's identity key formats (tor.md sections 1-2).
 *
 * RSA-1024 `secret_id_key` as PKCS#1 PEM (tor rejects PKCS#8, aborts on
 * larger keys), the 96-byte tagged ed25519 expanded-key files, and the two
 * public identities: RSA fingerprint = SHA1(DER RSAPublicKey), ed25519 id =
 * unpadded base64 of the public key. */
#ifndef TPMSEAL_TORKEY_H
#define TPMSEAL_TORKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define TORKEY_ED_FILE_BYTES 96
#define TORKEY_HEADER_BYTES 32
#define TORKEY_PEM_MAX 1200          /* a PKCS#1 RSA-1024 PEM is ~890 bytes */
#define TORKEY_FPR_HEX 41            /* 40 hex + NUL */
#define TORKEY_ED_ID_B64 44          /* 43 base64 + NUL */
#define TORKEY_TAG_MASTER "type0"
#define TORKEY_TAG_FAMILY "fmly-id"

/* Fresh ed25519 key in tor's expanded form: SHA-512 of a random seed,
 * clamped.  0, or -1 if the random seed gives no valid key. */
int torkey_ed_generate(uint8_t esk[64]);

/* Public key from an expanded secret (no re-hashing, as tor does). */
int torkey_ed_public(const uint8_t esk[64], uint8_t pk[32]);
void torkey_ed_id(const uint8_t pk[32], char out[TORKEY_ED_ID_B64]);

/* The tagged file: "== ed25519v1-" "secret: TAG ==" NUL-padded to 32 bytes,
 * then the 64-byte key. */
int torkey_ed_file_render(const uint8_t esk[64], const char *tag, uint8_t out[TORKEY_ED_FILE_BYTES]);
/* Parses a file of n bytes with tag TAG; 0 or -1. */
int torkey_ed_file_parse(const uint8_t *p, size_t n, const char *tag, uint8_t esk[64]);

/* RSA-1024, e = 65537, as its two primes (big-endian, no leading zero). */
int torkey_rsa_generate(uint8_t *p, uint8_t *plen, uint8_t *q, uint8_t *qlen, size_t cap);
/* The full private key rebuilt from the primes; NULL unless the result is
 * exactly a valid 1024-bit key with e = 65537. */
EVP_PKEY *torkey_rsa_from_primes(const uint8_t *p, size_t plen, const uint8_t *q, size_t qlen);
/* PKCS#1 PEM into out; returns its length, 0 on error. */
size_t torkey_rsa_pem(EVP_PKEY *k, uint8_t *out, size_t cap);
/* Parses a PKCS#1 PEM `secret_id_key` of n bytes into its primes, refusing
 * any key that is not RSA-1024 with e = 65537.  0 or -1. */
int torkey_rsa_pem_parse(const uint8_t *pem, size_t n, uint8_t *p, uint8_t *plen, uint8_t *q,
			 uint8_t *qlen, size_t cap);
int torkey_rsa_fingerprint(EVP_PKEY *k, char out[TORKEY_FPR_HEX]);

#endif
