/* The rollout's verdict before the approval check: pure, so that every
 * rule is unit-tested (tests/unit/initd/test_rollout.c). */
#include "rollout.h"

enum rollout_verdict rollout_decide(struct rollout_in const *in)
{
	if (in->wanted == 0)
		return ROLLOUT_NONE;
	/* this image is the wanted one or newer (or unknown: never reboot) */
	if (in->own_epoch == 0 || in->epoch <= in->own_epoch)
		return ROLLOUT_CURRENT;
	if (in->done < 0)
		return ROLLOUT_UNKNOWN;
	if ((int64_t)in->wanted <= in->done)
		return ROLLOUT_CURRENT;
	if (!in->authorized)
		return ROLLOUT_LITERAL;
	return ROLLOUT_CHECK;
}
