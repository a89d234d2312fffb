/* Module coldplug without udev: the modaliases of the devices present
 * (/sys/bus/ * /devices/ * /modalias) are matched against the image's
 * modules.alias (fnmatch patterns), each module's dependencies come from
 * modules.dep, and modules are loaded with finit_module(2), dependencies
 * first.  Passes repeat while they load something, since a loaded bus
 * driver (virtio_pci) brings new devices (virtio0 -> virtio_net). */
#ifndef INITD_MODULES_H
#define INITD_MODULES_H

#include <stddef.h>

#define MODULES_FILE_BYTES (4u << 20)
#define MODULES_NAME_MAX 63
#define MODULES_LOADED_MAX 128
#define MODULES_PASSES 4

/* fnmatch(pattern, s, 0) for ASCII, as modprobe matches modules.alias:
 * '*', '?', '[...]' with ranges and '!'/'^', '\\' escapes; no character
 * classes or multibyte characters (modalias strings have none).  Ours
 * because musl's fnmatch brings its wide-character tables, 16 KB of PID
 * 1.  1 on a match, else 0. */
int modules_glob(char const *pattern, char const *s);

/* Calls cb(name, name_len, ctx) for every "alias PATTERN NAME" line of
 * text[0..len) whose PATTERN matches modalias; other lines are skipped.
 * Returns the number of matches. */
size_t modules_alias_match(char const *text, size_t len, char const *modalias,
	void (*cb)(char const *name, size_t name_len, void *ctx), void *ctx);

/* Finds the modules.dep line of module name ('-' and '_' are the same
 * character in module names).  On success returns 0 and sets *path (the
 * module's relative path) and *deps (its dependencies, space-separated,
 * in modprobe's order: the last one is loaded first), with their lengths;
 * returns -1 when there is no such module. */
int modules_dep_find(char const *text, size_t len, char const *name, size_t name_len,
	char const **path, size_t *path_len, char const **deps, size_t *deps_len);

/* Coldplug as described above, from the module directory moddir
 * (/usr/lib/modules/<release>) and the sysfs at sys.  Logs every module
 * loaded (debug) and every failure; returns the number of modules loaded,
 * or -1 when modules.alias or modules.dep cannot be read. */
int modules_coldplug(char const *sys, char const *moddir, int debug);

/* Loads module name (and its modules.dep dependencies) from moddir, for
 * what no device asks for (zram, a compression algorithm).  Returns 1
 * when it is in the kernel now, 0 when it could not be loaded (logged), -1
 * when modules.dep cannot be read. */
int modules_load_name(char const *moddir, char const *name);

#endif
