#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "log.h"
#include "power.h"

static _Noreturn void power_end(int how, char const *what)
{
	sync();
	reboot(how);
	log_warn("unable to %s: %s; halting here", what, strerror(errno));
	/* Signals are blocked, so this sleeps without waking: what we want. */
	for (;;)
		pause();
}

_Noreturn void power_off(void)
{
	power_end(RB_POWER_OFF, "power off");
}

_Noreturn void power_reboot(void)
{
	power_end(RB_AUTOBOOT, "reboot");
}

_Noreturn void power_halt(void)
{
	power_end(RB_HALT_SYSTEM, "halt");
}
