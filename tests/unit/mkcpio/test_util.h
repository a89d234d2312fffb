/* Helpers shared by the mkcpio unit tests: scratch directories, files, an
 * independent newc reader and a runner for the mkcpio binary. */
#ifndef MKCPIO_TEST_UTIL_H
#define MKCPIO_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define TU_PATH_BYTES 4096
#define TU_ENTRIES_MAX 64

/* one record as read back from an archive; pointers into the archive */
struct tu_entry {
	uint32_t f[13];      /* ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check */
	char const *name;
	unsigned char const *data;
};

enum { TU_INO, TU_MODE, TU_UID, TU_GID, TU_NLINK, TU_MTIME, TU_FILESIZE, TU_DEVMAJOR,
       TU_DEVMINOR, TU_RDEVMAJOR, TU_RDEVMINOR, TU_NAMESIZE, TU_CHECK };

/* tu_scratch makes a fresh directory under $TMPDIR; tu_scratch_remove
 * deletes it and everything in it (one level of subdirectories). */
void tu_scratch(char dir[TU_PATH_BYTES]);
void tu_scratch_remove(char const *dir);

/* cmocka fixtures: *state is a fresh scratch directory for one test, and
 * it is removed even when the test fails */
int tu_setup(void **state);
int tu_teardown(void **state);

/* tu_subdir makes parent/name and returns its path in out */
void tu_subdir(char out[TU_PATH_BYTES], char const *parent, char const *name);

/* tu_path joins dir and name into a static rotating buffer. */
char const *tu_path(char const *dir, char const *name);

void tu_write(char const *path, void const *data, size_t len);
void tu_write_str(char const *path, char const *text);

/* tu_read returns the malloc'd contents of path and its length. */
unsigned char *tu_read(char const *path, size_t *len);

/* tu_newc_parse checks everything the format fixes (magic, hex fields,
 * zero padding to 4, the trailer, zero padding to 512) with cmocka
 * asserts, and returns the number of entries before the trailer. */
size_t tu_newc_parse(unsigned char const *a, size_t len, struct tu_entry *out, size_t max);

/* tu_dir_names lists dir (without . and ..), sorted, joined by spaces. */
void tu_dir_names(char const *dir, char *out, size_t outlen);

/* tu_run runs the mkcpio binary with argv (argv[0] is ignored).
 * epoch_env sets SOURCE_DATE_EPOCH, or unsets it when NULL; stdin_path
 * (or /dev/null) becomes stdin; stderr is captured into err.
 * Returns the exit status, or 1000 + signal number. */
/* tu_run_in makes later tu_run children start in dir (NULL: inherit). */
void tu_run_in(char const *dir);

int tu_run(char const *const *argv, char const *epoch_env, char const *stdin_path,
	   char *err, size_t errlen);

#endif
