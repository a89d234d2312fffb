/* The TPM-resident client key: a primary ECC P-256 signing key under the
 * owner hierarchy, made persistent at a fixed handle. */
#ifndef CONFIGPULL_TPMKEY_H
#define CONFIGPULL_TPMKEY_H

#include "err.h"

/* Makes sure HANDLE holds the node key, creating it if the handle is empty.
 * TCTI: a TCTI loader string, or NULL for the loader's default.  Sets
 * *CREATED.  1 ok, 0 with ERR set. */
int tpmkey_ensure(unsigned handle, const char *tcti, int *created, struct cp_err *err);

#endif
