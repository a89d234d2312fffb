/* Pure Ed25519 (RFC 8032, no prehash) through OpenSSL's EVP interface. */
#ifndef OSPKG_ED25519_H
#define OSPKG_ED25519_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define ED25519_SIG_BYTES 64u

/* Signs msg[0..n) with an Ed25519 private key; 0 or -1. */
int ed25519_sign(EVP_PKEY *key, const uint8_t *msg, size_t n, uint8_t sig[ED25519_SIG_BYTES]);

/* 1 if sig is a valid signature of msg under the Ed25519 public key pub,
 * 0 otherwise (also for a signature of the wrong length). */
int ed25519_verify(EVP_PKEY *pub, const uint8_t *msg, size_t n, const uint8_t *sig,
	size_t siglen) __attribute__((warn_unused_result));

#endif
