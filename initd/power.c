#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "log.h"
#include "power.h"

_Noreturn void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	log_warn("unable to power off: %s; halting here", strerror(errno));
	/* Signals are blocked, so this sleeps without waking: what we want. */
	for (;;)
		pause();
}
