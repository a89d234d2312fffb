/* The node's monotonic counter (include/lethe_state.h): a TPM_NT_COUNTER
 * NV index, AUTHREAD|AUTHWRITE|NO_DA, empty auth, 8 bytes, in the owner
 * hierarchy, through ESAPI.  Only save writes it (one NV_Increment per
 * save, NV_DefineSpace once); restore only reads.
 *
 * Each call opens the TPM and closes it again before returning: the node
 * key's TLS signatures (configpull's tpmsign) hold their own connection
 * for the rest of the process, and a TPM behind one socket (swtpm in the
 * tests) serves one connection at a time. */
#ifndef STATE_NV_H
#define STATE_NV_H

#include <stddef.h>
#include <stdint.h>

enum nv_state {
	NV_ABSENT,     /* no index at the handle */
	NV_UNWRITTEN,  /* ours, never incremented */
	NV_VALUE,      /* ours, with a value */
	NV_FOREIGN,    /* something else at the handle: never used */
};

/* The attributes of our index (WRITTEN aside). */
uint32_t nv_attributes(void);

/* The index's state and, for NV_VALUE, its value.  TCTI: a TCTI loader
 * string, NULL for the loader's default.  0, or -1 (the TPM failed) with a
 * one-line reason. */
int nv_read(const char *tcti, uint32_t index, enum nv_state *st, uint64_t *val, char *why, size_t whylen);

/* Defines the index if it is absent (*defined 1), refuses a foreign one,
 * increments it once and reads the value it now holds into *VAL.  0, or
 * -1 with a one-line reason (nothing incremented if the failure came
 * first; NV_RATE and the like: a later save may succeed). */
int nv_increment(const char *tcti, uint32_t index, uint64_t *val, int *defined, char *why, size_t whylen);

#endif
