#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "powerkey.h"

/* EVIOCGBIT(ev, len): _IOC(_IOC_READ, 'E', 0x20 + ev, len) */
#define POWERKEY_EVIOCGBIT(ev, len) _IOC(_IOC_READ, 'E', 0x20 + (ev), (len))

int powerkey_capable(unsigned char const *bits, size_t len)
{
	return len > POWERKEY_KEY_POWER / 8 &&
		(bits[POWERKEY_KEY_POWER / 8] >> (POWERKEY_KEY_POWER % 8)) & 1;
}

int powerkey_pressed(struct powerkey_event const *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].type == POWERKEY_EV_KEY && ev[i].code == POWERKEY_KEY_POWER &&
		    ev[i].value == 1)
			return 1;
	return 0;
}

static void powerkey_read(struct loop *l, int fd, short revents, void *ctx)
{
	struct powerkey_event ev[16];
	ssize_t r;
	int k;

	(void)revents;
	(void)ctx;
	/* bounded: a device that floods events cannot hold the loop */
	for (k = 0; k < 8; k++) {
		r = read(fd, ev, sizeof ev);
		if (r <= 0)
			return;
		if (powerkey_pressed(ev, (size_t)r / sizeof ev[0])) {
			log_info("power button pressed: powering off");
			loop_shutdown(l, SIGUSR1);
			return;
		}
	}
}

int powerkey_open(struct loop *l, char const *dir)
{
	unsigned char bits[POWERKEY_KEY_MAX / 8 + 1];
	char path[256];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0, fd;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < POWERKEY_DEVICES_MAX) {
		if (strncmp(de->d_name, "event", 5) != 0 ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
			continue;
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		memset(bits, 0, sizeof bits);
		if (ioctl(fd, POWERKEY_EVIOCGBIT(POWERKEY_EV_KEY, sizeof bits), bits) < 0 ||
		    !powerkey_capable(bits, sizeof bits) ||
		    loop_add_fd(l, fd, POLLIN, powerkey_read, NULL) < 0) {
			close(fd);
			continue;
		}
		log_info("power button: %s", path);
		n++;
	}
	closedir(d);
	return n;
}
