#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "rlimits.h"
#include "log.h"

int rlimits_apply(void)
{
	struct rlimit core = { 0, 0 };
	struct rlimit nofile = { RLIMITS_NOFILE_SOFT, RLIMITS_NOFILE_HARD };
	int failed = 0;

	if (setrlimit(RLIMIT_CORE, &core) < 0) {
		log_warn("unable to set RLIMIT_CORE to 0: %s", strerror(errno));
		failed++;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		log_warn("unable to make initd non-dumpable: %s", strerror(errno));
		failed++;
	}
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0) {
		log_warn("unable to set RLIMIT_NOFILE to %u: %s", RLIMITS_NOFILE_HARD,
			strerror(errno));
		failed++;
	}
	return failed;
}
