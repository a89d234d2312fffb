/* check.c: check.h.  Equal, not at least: a newer counter than the TPM's
 * was never written by this node (the TPM never goes down), so it is a
 * forgery or another TPM's, refused as surely as an older one. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "state.h"

int check_header(const struct blob_head *h, const uint8_t node[BLOB_NODE], enum nv_state st, uint64_t val,
		 uint32_t index, char *why, size_t whylen)
{
	char theirs[2 * BLOB_NODE + 1], ours[2 * BLOB_NODE + 1];
	size_t i;

	if (memcmp(h->node, node, BLOB_NODE) != 0) {
		for (i = 0; i < BLOB_NODE; i++) {
			snprintf(theirs + 2 * i, 3, "%02x", h->node[i]);
			snprintf(ours + 2 * i, 3, "%02x", node[i]);
		}
		state_why(why, whylen, "another node's state: node %.16s..., this node is %.16s...", theirs, ours);
		return -1;
	}
	if (st != NV_VALUE) {
		state_why(why, whylen, "no counter to check it against: NV index 0x%08x %s", index,
			  st == NV_ABSENT ? "is not defined" : st == NV_UNWRITTEN ? "was never incremented"
										: "is not lethe-state's counter");
		return -1;
	}
	if (h->counter < val) {
		state_why(why, whylen, "older state: counter %llu, the node wrote %llu", (unsigned long long)h->counter,
			  (unsigned long long)val);
		return -1;
	}
	if (h->counter > val) {
		state_why(why, whylen, "newer state than the node ever wrote: counter %llu, the node's counter is %llu",
			  (unsigned long long)h->counter, (unsigned long long)val);
		return -1;
	}
	return 0;
}
