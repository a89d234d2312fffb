/* Test helpers; every failure is a cmocka assert, so callers stay short. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

void tu_scratch(char dir[TU_PATH_BYTES])
{
	char const *tmp = getenv("TMPDIR");
	int n;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	n = snprintf(dir, TU_PATH_BYTES, "%s/mkcpio-test.XXXXXX", tmp);
	assert_true(n > 0 && n < TU_PATH_BYTES);
	assert_non_null(mkdtemp(dir));
}

static int tu_rm(char const *path, struct stat const *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void tu_scratch_remove(char const *dir)
{
	assert_int_equal(nftw(dir, &tu_rm, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int tu_setup(void **state)
{
	char *dir = malloc(TU_PATH_BYTES);

	assert_non_null(dir);
	tu_scratch(dir);
	*state = dir;
	return 0;
}

int tu_teardown(void **state)
{
	tu_scratch_remove(*state);
	free(*state);
	return 0;
}

void tu_subdir(char out[TU_PATH_BYTES], char const *parent, char const *name)
{
	int n = snprintf(out, TU_PATH_BYTES, "%s/%s", parent, name);

	assert_true(n > 0 && n < TU_PATH_BYTES);
	assert_int_equal(mkdir(out, 0700), 0);
}

char const *tu_path(char const *dir, char const *name)
{
	static char bufs[4][TU_PATH_BYTES];
	static unsigned next;
	char *b = bufs[next++ % 4];
	int n = snprintf(b, TU_PATH_BYTES, "%s/%s", dir, name);

	assert_true(n > 0 && n < TU_PATH_BYTES);
	return b;
}

void tu_write(char const *path, void const *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

void tu_write_str(char const *path, char const *text)
{
	tu_write(path, text, strlen(text));
}

unsigned char *tu_read(char const *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), (ssize_t)st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static uint32_t tu_hex8(unsigned char const *p)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		unsigned char c = p[i];

		/* mkcpio writes upper case, like gen_init_cpio */
		assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
		v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	return v;
}

static void tu_zeros(unsigned char const *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

size_t tu_newc_parse(unsigned char const *a, size_t len, struct tu_entry *out, size_t max)
{
	size_t off = 0, n = 0;

	assert_int_equal(len % 512, 0);
	for (;;) {
		struct tu_entry e;
		size_t end, i;

		assert_int_equal(off % 4, 0);
		assert_true(len - off >= 110);
		assert_memory_equal(a + off, "070701", 6);
		for (i = 0; i < 13; i++)
			e.f[i] = tu_hex8(a + off + 6 + 8 * i);
		assert_true(e.f[TU_NAMESIZE] >= 2);
		assert_true(len - off - 110 >= e.f[TU_NAMESIZE]);
		e.name = (char const *)a + off + 110;
		/* exactly one NUL, at the end of the name */
		assert_int_equal(strlen(e.name), e.f[TU_NAMESIZE] - 1);
		end = off + 110 + e.f[TU_NAMESIZE];
		tu_zeros(a + end, (4 - end % 4) % 4);
		off = (end + 3) & ~(size_t)3;
		assert_int_equal(e.f[TU_CHECK], 0);
		assert_int_equal(e.f[TU_DEVMAJOR], 0);
		assert_int_equal(e.f[TU_DEVMINOR], 0);
		if (strcmp(e.name, "TRAILER!!!") == 0) {
			assert_int_equal(e.f[TU_INO], 0);
			assert_int_equal(e.f[TU_MODE], 0);
			assert_int_equal(e.f[TU_NLINK], 1);
			assert_int_equal(e.f[TU_FILESIZE], 0);
			tu_zeros(a + off, len - off);
			assert_true(len - off < 512);
			return n;
		}
		assert_true(len - off >= e.f[TU_FILESIZE]);
		e.data = a + off;
		end = off + e.f[TU_FILESIZE];
		tu_zeros(a + end, (4 - end % 4) % 4);
		off = (end + 3) & ~(size_t)3;
		assert_true(n < max);
		out[n++] = e;
	}
}

static int tu_strcmp(void const *a, void const *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tu_dir_names(char const *dir, char *out, size_t outlen)
{
	char *names[256];
	size_t n = 0, i, used = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		assert_true(n < 256);
		names[n] = strdup(de->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof names[0], &tu_strcmp);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(out + used, outlen - used, "%s%s", i ? " " : "", names[i]);

		assert_true(w >= 0 && (size_t)w < outlen - used);
		used += (size_t)w;
		free(names[i]);
	}
}

static void tu_binary(char path[TU_PATH_BYTES])
{
	char const *env = getenv("MKCPIO");
	ssize_t n;
	char *slash;

	if (env && *env) {
		assert_true(strlen(env) < TU_PATH_BYTES);
		strcpy(path, env);
		return;
	}
	/* make builds mkcpio next to this test binary */
	n = readlink("/proc/self/exe", path, TU_PATH_BYTES - 8);
	assert_true(n > 0 && n < TU_PATH_BYTES - 8);
	path[n] = '\0';
	slash = strrchr(path, '/');
	assert_non_null(slash);
	strcpy(slash + 1, "mkcpio");
}

static char const *tu_run_dir;

void tu_run_in(char const *dir)
{
	tu_run_dir = dir;
}

int tu_run(char const *const *argv, char const *epoch_env, char const *stdin_path,
	   char *err, size_t errlen)
{
	char bin[TU_PATH_BYTES];
	int pipefd[2], status;
	size_t used = 0;
	pid_t pid;

	tu_binary(bin);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);

		if (in < 0 || dup2(in, 0) < 0 || dup2(pipefd[1], 2) < 0)
			_exit(126);
		if (tu_run_dir && chdir(tu_run_dir) < 0)
			_exit(126);
		if (epoch_env ? setenv("SOURCE_DATE_EPOCH", epoch_env, 1) : unsetenv("SOURCE_DATE_EPOCH"))
			_exit(126);
		umask(022);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char sink[256];
		ssize_t r;

		if (used + 1 < errlen)
			r = read(pipefd[0], err + used, errlen - used - 1);
		else
			r = read(pipefd[0], sink, sizeof sink);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		if (r == 0)
			break;
		if (used + 1 < errlen)
			used += (size_t)r;
	}
	err[used] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
