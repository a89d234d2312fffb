#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file.h"
#include "lethe_paths.h"
#include "log.h"
#include "loop.h"
#include "net.h"

int net_renew_add(struct loop *l, char const *ifname, char const *script)
{
	static char *argv[8];
	static char env[] = "LETHE_DHCP_RENEW=1";
	struct super_params p = {
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 600000, .stop_ms = 3000,
		.kill_ms = 2000, .crash_n = 10, .crash_window_ms = 600000,
	};
	int r;

	/* -f: foreground; no -q: it stays, renewing (busybox's defaults
	 * retry a lost lease forever) */
	argv[0] = LETHE_UDHCPC_BIN;
	argv[1] = "-f";
	argv[2] = "-i";
	argv[3] = (char *)ifname;
	argv[4] = "-s";
	argv[5] = (char *)script;
	argv[6] = NULL;
	r = loop_add(l, "dhcp", argv, &p);
	if (r == 0)
		r = loop_setenv(l, l->n - 1, env);
	if (r == 0)
		log_info("network: lease renewal by udhcpc on %s", ifname);
	return r;
}

int net_link_up(char const *ifname)
{
	struct ifreq ifr;
	int fd, r = 0;

	if (strlen(ifname) > NET_IFNAME_MAX)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = -errno;
out:
	close(fd);
	return r;
}

int net_install_script(char const *src, char const *dst)
{
	char buf[NET_SCRIPT_BYTES];
	long n = file_read(src, buf, sizeof buf);
	int out, ret = 0;

	if (n < 0)
		return (int)n;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (out < 0)
		return errno == EEXIST ? 0 : -errno;
	if (write(out, buf, (size_t)n) != (ssize_t)n)
		ret = -EIO;
	if (close(out) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		unlink(dst);
	return ret;
}

int net_pick_interface(char const *sys, char *name)
{
	char path[256], type[16];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof path, "%s/class/net", sys);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.' || len > NET_IFNAME_MAX)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/class/net/%s/type", sys, de->d_name) >=
		    sizeof path)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, type, sizeof type - 1);
		close(fd);
		/* ARPHRD_ETHER; lo is 772 */
		if (n < 2 || memcmp(type, "1\n", 2) != 0)
			continue;
		if (!found || strcmp(de->d_name, name) < 0) {
			memcpy(name, de->d_name, len + 1);
			found = 1;
		}
	}
	closedir(d);
	return found ? 0 : -ENODEV;
}
