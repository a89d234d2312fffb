/* PEM certificates to the DER bytes stboot measures. */
#ifndef PCRPREDICT_CERTS_H
#define PCRPREDICT_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CERTS_MAX 64u

/* Parses PEM text holding between min and max CERTIFICATE blocks and
 * returns their DER encodings concatenated in file order (malloc'ed). */
int certs_pem_to_der(const uint8_t *pem, size_t n, unsigned min, unsigned max, uint8_t **der,
	size_t *len, struct tool_err *e);

#endif
