/* SHA-256 PCR arithmetic: extend, replay, hex. */
#ifndef PCRPREDICT_PCR_H
#define PCRPREDICT_PCR_H

#include <stddef.h>
#include <stdint.h>

#define PCR_BYTES 32u
#define PCR_HEX_BYTES 65u

void pcr_sha256(const void *p, size_t n, uint8_t out[PCR_BYTES]);
/* pcr = SHA-256(pcr || digest), as TPM2_PCR_Extend does in the SHA-256 bank. */
void pcr_extend(uint8_t pcr[PCR_BYTES], const uint8_t digest[PCR_BYTES]);
/* pcr = extend(pcr, SHA-256(data)): the usual "measure data" step. */
void pcr_measure(uint8_t pcr[PCR_BYTES], const void *data, size_t n);
/* Lower-case hex, NUL-terminated. */
void pcr_hex(const uint8_t d[PCR_BYTES], char out[PCR_HEX_BYTES]);
/* Exactly 64 hex digits (either case); 0 or -1. */
int pcr_parse_hex(const char *s, size_t n, uint8_t out[PCR_BYTES]);

#endif
