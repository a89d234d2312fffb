#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "psi.h"

static int psi_field(char const *line, size_t len, char out[PSI_AVG_MAX + 1])
{
	static char const key[] = " avg10=";
	size_t i, n = 0, dots = 0;

	for (i = 0; i + sizeof key - 1 <= len; i++)
		if (memcmp(line + i, key, sizeof key - 1) == 0)
			break;
	if (i + sizeof key - 1 > len)
		return -1;
	for (i += sizeof key - 1; i < len && line[i] != ' '; i++) {
		if (n == PSI_AVG_MAX || !((line[i] >= '0' && line[i] <= '9') || line[i] == '.'))
			return -1;
		dots += line[i] == '.';
		out[n++] = line[i];
	}
	if (n == 0 || dots > 1)
		return -1;
	out[n] = '\0';
	return 0;
}

int psi_parse_avg10(char const *text, size_t len, char some[PSI_AVG_MAX + 1],
	char full[PSI_AVG_MAX + 1])
{
	size_t b = 0;
	int got = 0;

	strcpy(full, "-");
	some[0] = '\0';
	while (b < len) {
		char const *nl = memchr(text + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - text) : len;

		if (e - b >= 5 && memcmp(text + b, "some ", 5) == 0)
			got = psi_field(text + b + 4, e - b - 4, some) == 0;
		else if (e - b >= 5 && memcmp(text + b, "full ", 5) == 0 &&
		    psi_field(text + b + 4, e - b - 4, full) < 0)
			strcpy(full, "-");
		b = e + 1;
	}
	if (!got)
		some[0] = '\0';
	return got ? 0 : -1;
}

struct psi_res {
	char const *name;
	char path[128];
	uint64_t last_ms;
};

static struct psi_res psi_res[3] = { { "memory", "", 0 }, { "cpu", "", 0 }, { "io", "", 0 } };
static uint64_t psi_mem_events;

uint64_t psi_memory_events(void)
{
	return psi_mem_events;
}

static void psi_fired(struct loop *l, int fd, short revents, void *ctx)
{
	struct psi_res *p = ctx;
	char buf[PSI_TEXT_BYTES], some[PSI_AVG_MAX + 1], full[PSI_AVG_MAX + 1];
	uint64_t now = loop_now_ms();
	ssize_t n;
	int rfd;

	(void)l;
	(void)fd;
	if (!(revents & POLLPRI))
		return;
	/* every event counts (the status file); the warning is rate-limited */
	if (p == &psi_res[0])
		psi_mem_events++;
	if (p->last_ms && now - p->last_ms < PSI_WARN_EVERY_MS)
		return;
	p->last_ms = now;
	/* the trigger's fd reads the same text, but a fresh open keeps its
	 * position out of the way */
	rfd = open(p->path, O_RDONLY | O_CLOEXEC);
	n = rfd < 0 ? -1 : read(rfd, buf, sizeof buf);
	if (rfd >= 0)
		close(rfd);
	if (n > 0 && psi_parse_avg10(buf, (size_t)n, some, full) == 0)
		log_warn("%s pressure: stalled over 150 ms in 1 s (avg10 some %s%% full %s%%)",
			p->name, some, full);
	else
		log_warn("%s pressure: stalled over 150 ms in 1 s", p->name);
}

int psi_open(struct loop *l, char const *dir)
{
	static char const trig[] = PSI_TRIGGER;
	size_t k;
	int n = 0, fd;

	for (k = 0; k < sizeof psi_res / sizeof psi_res[0]; k++) {
		struct psi_res *p = &psi_res[k];

		if ((size_t)snprintf(p->path, sizeof p->path, "%s/%s", dir, p->name) >= sizeof p->path)
			continue;
		fd = open(p->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* the kernel takes the trigger with its terminating NUL */
		if (write(fd, trig, sizeof trig) < 0 || loop_add_fd(l, fd, POLLPRI, psi_fired, p) < 0) {
			log_warn("unable to arm the %s pressure trigger: %s", p->name, strerror(errno));
			close(fd);
			continue;
		}
		n++;
	}
	if (n)
		log_info("pressure: %d trigger(s) armed (%s)", n, trig);
	return n;
}
