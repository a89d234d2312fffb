#include <string.h>

#include "agent.h"
#include "log.h"
#include "logpipe.h"
#include "status.h"

/* Every line of initd's own: a record in the pipe, and the newest error
 * in the status. */
static void agent_line(enum log_level level, char const *text, size_t len)
{
	logpipe_record("initd", text, len);
	status_line(level, text, len);
}

void agent_setup(char const *status_path)
{
	int r = logpipe_open();

	status_open(status_path);
	log_set_hooks(agent_line, status_mark);
	if (r < 0)
		log_warn("unable to make the log pipe: %s; lethe-telemetry gets no lines",
			strerror(-r));
}

int agent_add(struct loop *l, char *const argv[])
{
	/* a crash loop of the agent is nobody else's problem: no verdict */
	struct super_params ap = {
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 600000, .stop_ms = 5000,
		.kill_ms = 2000,
	};
	int r = loop_add(l, "telemetry", argv, &ap);

	if (r < 0)
		return r;
	l->svc[l->n - 1].oom_adj = AGENT_OOM_ADJ;
	l->svc[l->n - 1].in_fd = logpipe_reader();
	return 0;
}
