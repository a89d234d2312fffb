/* The verdict on a parsed blob's header before any key is touched: this
 * node's (its node id), and this node's newest (its counter equals the TPM
 * counter's value).  Pure, for restore and the unit tests. */
#ifndef STATE_CHECK_H
#define STATE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "nv.h"

/* 0 if H is NODE's and its counter is VAL with the index in state ST
 * (INDEX: for the reason); else -1 with the refusal's reason: another
 * node's, no counter to check it against (absent, never incremented, not
 * ours), older, newer. */
int check_header(const struct blob_head *h, const uint8_t node[BLOB_NODE], enum nv_state st, uint64_t val,
		 uint32_t index, char *why, size_t whylen);

#endif
