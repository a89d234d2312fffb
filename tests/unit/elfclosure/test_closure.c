/* closure.c and the elfclosure binary, on a fake Debian root built once:
 * real objects compiled with the host cc, the host's loader and libc, and
 * hand-made ELF images for the corner cases a compiler will not produce. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "closure.h"
#include "elfclosure_test.h"
#include "lethe_exit.h"

#ifndef ELFCLOSURE_BIN
#define ELFCLOSURE_BIN "build/host/elfclosure"
#endif

static char *tmp;    /* the test's directory */
static char *root;   /* tmp/root: the fake staging root */
static char *src;    /* tmp/src: sources and link-time-only objects */

/* root-relative and src-relative paths, valid until the next call */
static const char *R(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
	return buf[k];
}

static const char *S(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof buf[k], "%s/%s", src, rel);
	return buf[k];
}

static void write_src(const char *name, const char *text)
{
	tu_write(S(name), text, strlen(text));
}

static void cc(const char *const argv[])
{
	char *err = NULL;
	int r = tu_run(argv, NULL, &err);

	if (r != 0)
		fail_msg("cc failed (%d): %s", r, err);
	free(err);
}

static void fake(const char *rel, const struct fakeelf_spec *spec)
{
	tu_write_fake(R(rel), spec);
}

#define NEEDS(...) .needed = (const char *const[]){ __VA_ARGS__ }, \
	.nneeded = sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)

static void build_compiled(void)
{
	char rpl[PATH_MAX + 32];

	/* the host's loader and libc, at the Debian paths */
	tu_copy("/lib64/ld-linux-x86-64.so.2", R("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	tu_symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", R("usr/lib64/ld-linux-x86-64.so.2"));
	tu_copy("/lib/x86_64-linux-gnu/libc.so.6", R("usr/lib/x86_64-linux-gnu/libc.so.6"));

	/* real libc calls, so that the libraries need libc.so.6 too */
	write_src("b.c", "#include <unistd.h>\nint b(void) { return (int)getpid(); }\n");
	write_src("a.c", "#include <stdlib.h>\nint b(void);\nint a(void) { return b() + (getenv(\"LETHE\") != 0); }\n");
	write_src("p.c", "int p(void) { return 3; }\n");
	write_src("dup.c", "int dup_(void) { return 4; }\n");
	write_src("prog.c", "int a(void);\nint main(void) { return a(); }\n");
	write_src("prog_origin.c", "int p(void);\nint main(void) { return p(); }\n");
	write_src("prog_dup.c", "int dup_(void);\nint main(void) { return dup_(); }\n");
	snprintf(rpl, sizeof rpl, "-Wl,-rpath-link,%s", R("usr/lib/x86_64-linux-gnu"));

	cc((const char *const[]){ "cc", "-shared", "-fPIC", "-Wl,-soname,libb.so.1", "-o",
				  R("usr/lib/x86_64-linux-gnu/libb.so.1.0.0"), S("b.c"), NULL });
	cc((const char *const[]){ "cc", "-shared", "-fPIC", "-Wl,-soname,liba.so.1", "-o",
				  R("usr/lib/x86_64-linux-gnu/liba.so.1.2.3"), S("a.c"),
				  R("usr/lib/x86_64-linux-gnu/libb.so.1.0.0"), NULL });
	cc((const char *const[]){ "cc", "-shared", "-fPIC", "-Wl,-soname,libp.so.1", "-o",
				  R("usr/lib/private/libp.so.1"), S("p.c"), NULL });
	cc((const char *const[]){ "cc", "-shared", "-fPIC", "-Wl,-soname,libdup.so.1", "-o",
				  S("libdup.so"), S("dup.c"), NULL });
	/* soname chains, as Debian packages ship them */
	tu_symlink("libb.so.1.0", R("usr/lib/x86_64-linux-gnu/libb.so.1"));
	tu_symlink("libb.so.1.0.0", R("usr/lib/x86_64-linux-gnu/libb.so.1.0"));
	tu_symlink("liba.so.1.2.3", R("usr/lib/x86_64-linux-gnu/liba.so.1"));
	cc((const char *const[]){ "cc", "-o", R("usr/bin/prog"), S("prog.c"),
				  R("usr/lib/x86_64-linux-gnu/liba.so.1.2.3"), rpl, NULL });
	cc((const char *const[]){ "cc", "-o", R("usr/bin/prog_origin"), S("prog_origin.c"),
				  R("usr/lib/private/libp.so.1"),
				  "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib/private", NULL });
	cc((const char *const[]){ "cc", "-o", R("usr/bin/prog_rpath"), S("prog_dup.c"), S("libdup.so"),
				  "-Wl,--disable-new-dtags,-rpath,/usr/lib/r", NULL });
	cc((const char *const[]){ "cc", "-o", R("usr/bin/prog_runpath"), S("prog_dup.c"), S("libdup.so"),
				  "-Wl,--enable-new-dtags,-rpath,/usr/lib/u", NULL });
}

static void build_fakes(void)
{
	const struct fakeelf_spec dup = { .soname = "libdup.so.1" };

	fake("usr/lib/r/libdup.so.1", &dup);
	fake("usr/lib/u/libdup.so.1", &dup);
	fake("usr/lib/x86_64-linux-gnu/libdup.so.1", &dup);

	/* RPATH and RUNPATH in one object: RUNPATH wins, RPATH is ignored */
	fake("usr/bin/both", &(struct fakeelf_spec){ .rpath = "/usr/lib/r", .runpath = "/usr/lib/u",
						     NEEDS("libdup.so.1") });
	fake("usr/bin/dupdef", &(struct fakeelf_spec){ NEEDS("libdup.so.1") });
	/* the program's RPATH serves its dependencies, unless they have a RUNPATH */
	fake("usr/bin/inherit", &(struct fakeelf_spec){ .rpath = "/usr/lib/r", NEEDS("libmid.so.1") });
	fake("usr/lib/x86_64-linux-gnu/libmid.so.1", &(struct fakeelf_spec){ NEEDS("libdup.so.1") });
	fake("usr/bin/inherit_run", &(struct fakeelf_spec){ .rpath = "/usr/lib/r",
							    NEEDS("libmidrun.so.1") });
	fake("usr/lib/x86_64-linux-gnu/libmidrun.so.1",
	     &(struct fakeelf_spec){ .runpath = "/nonexistent", NEEDS("libdup.so.1") });

	/* ${ORIGIN} in a program reached through /bin, $ORIGIN in a library */
	fake("usr/bin/origin2", &(struct fakeelf_spec){ .runpath = "${ORIGIN}/../lib/private",
							NEEDS("libp.so.1") });
	fake("usr/bin/useorig", &(struct fakeelf_spec){ NEEDS("liborig.so.1") });
	fake("usr/lib/x86_64-linux-gnu/liborig.so.1",
	     &(struct fakeelf_spec){ .runpath = "/nonexistent:$ORIGIN/../private", NEEDS("libp.so.1") });

	fake("usr/bin/needsmissing", &(struct fakeelf_spec){ NEEDS("libnope.so.9") });
	fake("usr/bin/needshalf", &(struct fakeelf_spec){ NEEDS("libhalf.so.1") });
	fake("usr/lib/x86_64-linux-gnu/libhalf.so.1", &(struct fakeelf_spec){ NEEDS("libnope.so.9") });

	/* foreign objects earlier in the search order are skipped */
	fake("usr/lib/x86_64-linux-gnu/libw.so.1",
	     &(struct fakeelf_spec){ .class = ELFCLASS32, .machine = EM_386 });
	fake("usr/lib64/libw.so.1", &(struct fakeelf_spec){ .soname = "libw.so.1" });
	fake("usr/lib/x86_64-linux-gnu/libm2.so.1", &(struct fakeelf_spec){ .machine = EM_AARCH64 });
	fake("usr/lib/libm2.so.1", &(struct fakeelf_spec){ .soname = "libm2.so.1" });
	fake("usr/bin/usew", &(struct fakeelf_spec){ NEEDS("libw.so.1", "libm2.so.1") });

	/* links that try to leave the root land inside it */
	tu_symlink("../../../../../../../../etc/libesc.so.1", R("usr/lib/x86_64-linux-gnu/libesc.so.1"));
	fake("etc/libesc.so.1", &(struct fakeelf_spec){ .soname = "libesc.so.1" });
	tu_symlink("/etc/passwd", R("usr/lib/x86_64-linux-gnu/libabs.so.1"));
	fake("etc/passwd", &(struct fakeelf_spec){ .soname = "libabs.so.1" });
	fake("usr/bin/useesc", &(struct fakeelf_spec){ NEEDS("libesc.so.1", "libabs.so.1") });

	tu_symlink("libloop2.so.1", R("usr/lib/x86_64-linux-gnu/libloop.so.1"));
	tu_symlink("libloop.so.1", R("usr/lib/x86_64-linux-gnu/libloop2.so.1"));
	fake("usr/bin/useloop", &(struct fakeelf_spec){ NEEDS("libloop.so.1") });

	fake("usr/bin/badtoken", &(struct fakeelf_spec){ .runpath = "$LIB/x", NEEDS("libx.so.1") });
	fake("usr/bin/relrun", &(struct fakeelf_spec){ .runpath = "lib", NEEDS("libx.so.1") });
	fake("usr/bin/emptyrpath", &(struct fakeelf_spec){ .rpath = "/usr/lib/r::/usr/lib/u",
							   NEEDS("libx.so.1") });
	fake("usr/bin/slashneed", &(struct fakeelf_spec){ NEEDS("sub/libx.so.1") });
	fake("usr/bin/spaceneed", &(struct fakeelf_spec){ NEEDS("libx.so.1\nfile /etc/shadow") });
	fake("usr/bin/nodef", &(struct fakeelf_spec){ .nodeflib = 1, NEEDS("libb.so.1") });
	fake("usr/bin/static", &(struct fakeelf_spec){ .type = ET_EXEC, .no_dynamic = 1 });
	fake("usr/bin/badinterp", &(struct fakeelf_spec){ .interp = "/lib64/ld-nope.so.2" });
	fake("usr/bin/usecorrupt", &(struct fakeelf_spec){ NEEDS("libcorrupt.so.1") });
	{
		struct fakeelf_layout lay;
		unsigned char *b = fakeelf_build(&dup, &lay);

		tu_write(R("usr/lib/x86_64-linux-gnu/libcorrupt.so.1"), b, 1000);
		free(b);
	}
	tu_write(R("etc/motd"), "hello\n", 6);

	/* names that would break a line-oriented output */
	tu_mkdirs(R("usr/lib/with space"));
	fake("usr/lib/with space/libsp.so.1", &dup);
	fake("usr/bin/spacedir", &(struct fakeelf_spec){ .runpath = "/usr/lib/with space",
							 NEEDS("libsp.so.1") });
	fake("usr/lib/x86_64-linux-gnu/libnl\n.so", &dup);
	tu_symlink("libnl\n.so", R("usr/lib/x86_64-linux-gnu/libnl.so.1"));
	fake("usr/bin/usenl", &(struct fakeelf_spec){ NEEDS("libnl.so.1") });
}

static int setup(void **state)
{
	static const char *const dirs[] = {
		"usr/bin", "usr/sbin", "usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/lib/private",
		"usr/lib/r", "usr/lib/u", "etc",
	};
	size_t i;

	(void)state;
	tmp = tu_mkdtemp();
	root = tu_path(tmp, "root");
	src = tu_path(tmp, "src");
	tu_mkdirs(src);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		tu_mkdirs(R(dirs[i]));
	/* merged /usr, with relative links as in Debian */
	tu_symlink("usr/bin", R("bin"));
	tu_symlink("usr/sbin", R("sbin"));
	tu_symlink("usr/lib", R("lib"));
	tu_symlink("usr/lib64", R("lib64"));
	build_compiled();
	build_fakes();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(tmp);
	free(tmp);
	free(root);
	free(src);
	return 0;
}

/* Runs the closure of the given roots and compares the output. */
static void expect_out(const char *const *roots, size_t n, int why, const char *want)
{
	char err[CLOSURE_ERR_BYTES], *out;

	if (tu_closure(root, roots, n, why, NULL, 0, &out, err) != LETHE_EXIT_OK)
		fail_msg("closure failed: %s", err);
	assert_string_equal(out, want);
	free(out);
}

static void expect_err(const char *path, int code, const char *msg)
{
	char err[CLOSURE_ERR_BYTES], *out;

	assert_int_equal(tu_closure(root, &path, 1, 0, NULL, 0, &out, err), code);
	assert_null(out);
	assert_string_equal(err, msg);
}

#define ROOTS(...) (const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)

static const char prog_out[] =
	"slink /lib usr/lib\n"
	"slink /lib64 usr/lib64\n"
	"file /usr/bin/prog\n"
	"file /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"slink /usr/lib/x86_64-linux-gnu/liba.so.1 liba.so.1.2.3\n"
	"file /usr/lib/x86_64-linux-gnu/liba.so.1.2.3\n"
	"slink /usr/lib/x86_64-linux-gnu/libb.so.1 libb.so.1.0\n"
	"slink /usr/lib/x86_64-linux-gnu/libb.so.1.0 libb.so.1.0.0\n"
	"file /usr/lib/x86_64-linux-gnu/libb.so.1.0.0\n"
	"file /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"slink /usr/lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n";

/* The compiled program: interpreter through /lib64, libraries through
 * /lib, soname chains, libc's DT_NEEDED on the loader met by the loader. */
static void test_closure_program(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/prog"), 0, prog_out);
}

static void test_closure_program_via_bin(void **state)
{
	char *out, err[CLOSURE_ERR_BYTES], want[sizeof prog_out + 64];

	(void)state;
	snprintf(want, sizeof want, "slink /bin usr/bin\n%s", prog_out);
	assert_int_equal(tu_closure(root, ROOTS("/bin/prog"), 0, NULL, 0, &out, err), LETHE_EXIT_OK);
	assert_string_equal(out, want);
	free(out);
}

static void test_closure_why(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/prog"), 1,
		   "interp /usr/bin/prog /lib64/ld-linux-x86-64.so.2 -> "
		   "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
		   "needs /usr/bin/prog liba.so.1 -> /usr/lib/x86_64-linux-gnu/liba.so.1.2.3\n"
		   "needs /usr/bin/prog libc.so.6 -> /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		   "needs /usr/lib/x86_64-linux-gnu/liba.so.1.2.3 libb.so.1 -> "
		   "/usr/lib/x86_64-linux-gnu/libb.so.1.0.0\n"
		   "needs /usr/lib/x86_64-linux-gnu/liba.so.1.2.3 libc.so.6 -> "
		   "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		   "needs /usr/lib/x86_64-linux-gnu/libb.so.1.0.0 libc.so.6 -> "
		   "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		   "needs /usr/lib/x86_64-linux-gnu/libc.so.6 ld-linux-x86-64.so.2 -> "
		   "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n");
}

/* Checks one "needs" line of a --why run. */
static void expect_needs(const char *prog, const char *line)
{
	char err[CLOSURE_ERR_BYTES], *out;

	if (tu_closure(root, &prog, 1, 1, NULL, 0, &out, err) != LETHE_EXIT_OK)
		fail_msg("closure of %s failed: %s", prog, err);
	if (!strstr(out, line))
		fail_msg("no \"%s\" in:\n%s", line, out);
	free(out);
}

static void test_closure_rpath_runpath(void **state)
{
	(void)state;
	/* compiled with --disable-new-dtags (RPATH) and --enable-new-dtags (RUNPATH) */
	expect_needs("/usr/bin/prog_rpath", "needs /usr/bin/prog_rpath libdup.so.1 -> /usr/lib/r/libdup.so.1\n");
	expect_needs("/usr/bin/prog_runpath", "needs /usr/bin/prog_runpath libdup.so.1 -> /usr/lib/u/libdup.so.1\n");
	/* both present: RPATH is ignored */
	expect_needs("/usr/bin/both", "needs /usr/bin/both libdup.so.1 -> /usr/lib/u/libdup.so.1\n");
	/* neither: the default directories */
	expect_needs("/usr/bin/dupdef",
		     "needs /usr/bin/dupdef libdup.so.1 -> /usr/lib/x86_64-linux-gnu/libdup.so.1\n");
	/* the program's RPATH serves a dependency without paths of its own... */
	expect_needs("/usr/bin/inherit", "needs /usr/lib/x86_64-linux-gnu/libmid.so.1 libdup.so.1 -> "
					 "/usr/lib/r/libdup.so.1\n");
	/* ...but not one with a RUNPATH */
	expect_needs("/usr/bin/inherit_run", "needs /usr/lib/x86_64-linux-gnu/libmidrun.so.1 libdup.so.1 -> "
					     "/usr/lib/x86_64-linux-gnu/libdup.so.1\n");
}

static void test_closure_libdirs(void **state)
{
	static const char *const dirs[] = { "/usr/lib/u" };
	const char *prog = "/usr/bin/dupdef";
	char err[CLOSURE_ERR_BYTES], *out;

	(void)state;
	assert_int_equal(tu_closure(root, &prog, 1, 0, dirs, 1, &out, err), LETHE_EXIT_OK);
	assert_string_equal(out, "file /usr/bin/dupdef\nfile /usr/lib/u/libdup.so.1\n");
	free(out);
	/* DF_1_NODEFLIB: no default directories at all */
	expect_err("/usr/bin/nodef", LETHE_EXIT_USAGE, "unable to find libb.so.1 needed by /usr/bin/nodef");
}

static void test_closure_origin(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/prog_origin"), 0,
		   "slink /lib usr/lib\n"
		   "slink /lib64 usr/lib64\n"
		   "file /usr/bin/prog_origin\n"
		   "file /usr/lib/private/libp.so.1\n"
		   "file /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
		   "file /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		   "slink /usr/lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n");
	/* the root's $ORIGIN is its resolved directory, not /bin */
	expect_out(ROOTS("/bin/origin2"), 0,
		   "slink /bin usr/bin\n"
		   "file /usr/bin/origin2\n"
		   "file /usr/lib/private/libp.so.1\n");
	/* a library's $ORIGIN is the directory it was found in */
	expect_out(ROOTS("/usr/bin/useorig"), 0,
		   "slink /lib usr/lib\n"
		   "file /usr/bin/useorig\n"
		   "file /usr/lib/private/libp.so.1\n"
		   "file /usr/lib/x86_64-linux-gnu/liborig.so.1\n");
}

static void test_closure_missing(void **state)
{
	(void)state;
	expect_err("/usr/bin/needsmissing", LETHE_EXIT_USAGE,
		   "unable to find libnope.so.9 needed by /usr/bin/needsmissing");
	expect_err("/usr/bin/needshalf", LETHE_EXIT_USAGE,
		   "unable to find libnope.so.9 needed by /usr/lib/x86_64-linux-gnu/libhalf.so.1");
	expect_err("/usr/bin/nothere", LETHE_EXIT_USAGE,
		   "unable to resolve /usr/bin/nothere: No such file or directory");
	expect_err("/usr/bin/badinterp", LETHE_EXIT_USAGE,
		   "unable to find interpreter /lib64/ld-nope.so.2 needed by /usr/bin/badinterp");
}

static void test_closure_foreign_skipped(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/usew"), 0,
		   "slink /lib usr/lib\n"
		   "slink /lib64 usr/lib64\n"
		   "file /usr/bin/usew\n"
		   "file /usr/lib/libm2.so.1\n"
		   "file /usr/lib64/libw.so.1\n");
}

static void test_closure_escape(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/useesc"), 0,
		   "file /etc/libesc.so.1\n"
		   "file /etc/passwd\n"
		   "slink /lib usr/lib\n"
		   "file /usr/bin/useesc\n"
		   "slink /usr/lib/x86_64-linux-gnu/libabs.so.1 /etc/passwd\n"
		   "slink /usr/lib/x86_64-linux-gnu/libesc.so.1 ../../../../../../../../etc/libesc.so.1\n");
}

static void test_closure_bad_input(void **state)
{
	(void)state;
	expect_err("/usr/bin/useloop", LETHE_EXIT_USAGE,
		   "unable to resolve /lib/x86_64-linux-gnu/libloop.so.1: Too many levels of symbolic links");
	expect_err("/etc/motd", LETHE_EXIT_USAGE, "unable to load /etc/motd: not an ELF file");
	expect_err("/usr/bin", LETHE_EXIT_USAGE, "unable to load /usr/bin: not a regular file");
	expect_err("usr/bin/prog", LETHE_EXIT_USAGE, "unable to use root usr/bin/prog: not a plain absolute path");
	expect_err("/usr/lib/x86_64-linux-gnu/libw.so.1", LETHE_EXIT_USAGE,
		   "unable to load /usr/lib/x86_64-linux-gnu/libw.so.1: not a 64-bit little-endian ELF file");
	expect_err("/usr/bin/usecorrupt", LETHE_EXIT_USAGE,
		   "unable to load /lib/x86_64-linux-gnu/libcorrupt.so.1 "
		   "(/usr/lib/x86_64-linux-gnu/libcorrupt.so.1): PT_LOAD beyond end of file");
	expect_err("/usr/bin/badtoken", LETHE_EXIT_USAGE,
		   "unable to use DT_RUNPATH of /usr/bin/badtoken: unsupported dynamic string token");
	expect_err("/usr/bin/relrun", LETHE_EXIT_USAGE,
		   "unable to use DT_RUNPATH of /usr/bin/relrun: empty or relative directory");
	expect_err("/usr/bin/emptyrpath", LETHE_EXIT_USAGE,
		   "unable to use DT_RPATH of /usr/bin/emptyrpath: empty or relative directory");
	expect_err("/usr/bin/slashneed", LETHE_EXIT_USAGE,
		   "unable to search for sub/libx.so.1 needed by /usr/bin/slashneed: a path, not a name");
	expect_err("/usr/bin/spacedir", LETHE_EXIT_USAGE,
		   "unable to list a file: unsafe character in its path");
	expect_err("/usr/bin/usenl", LETHE_EXIT_USAGE,
		   "unable to use symlink /usr/lib/x86_64-linux-gnu/libnl.so.1: "
		   "unsafe character in its name or target");
	expect_err("/usr/bin/spaceneed", LETHE_EXIT_USAGE,
		   "unable to use a DT_NEEDED of /usr/bin/spaceneed: unsafe character in name");
}

static void test_closure_static(void **state)
{
	(void)state;
	expect_out(ROOTS("/usr/bin/static"), 0, "file /usr/bin/static\n");
}

/* The union does not depend on the order or repetition of the roots. */
static void test_closure_order(void **state)
{
	static const char *const fwd[] = {
		"/usr/bin/prog", "/usr/bin/prog_origin", "/usr/bin/usew", "/usr/bin/useesc",
		"/bin/origin2", "/usr/bin/inherit", "/usr/bin/inherit_run", "/usr/bin/static",
	};
	enum { N = sizeof fwd / sizeof fwd[0] };
	const char *rev[N], *rot[N + 2];
	char err[CLOSURE_ERR_BYTES], *a, *b, *c, *wa, *wb;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		rev[i] = fwd[N - 1 - i];
		rot[i] = fwd[(i + 3) % N];
	}
	rot[N] = fwd[0];
	rot[N + 1] = fwd[4];
	assert_int_equal(tu_closure(root, fwd, N, 0, NULL, 0, &a, err), LETHE_EXIT_OK);
	assert_int_equal(tu_closure(root, rev, N, 0, NULL, 0, &b, err), LETHE_EXIT_OK);
	assert_int_equal(tu_closure(root, rot, N + 2, 0, NULL, 0, &c, err), LETHE_EXIT_OK);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_int_equal(tu_closure(root, fwd, N, 1, NULL, 0, &wa, err), LETHE_EXIT_OK);
	assert_int_equal(tu_closure(root, rev, N, 1, NULL, 0, &wb, err), LETHE_EXIT_OK);
	assert_string_equal(wa, wb);
	/* inherit and inherit_run resolve libdup.so.1 differently: both show */
	assert_non_null(strstr(a, "file /usr/lib/r/libdup.so.1\n"));
	assert_non_null(strstr(a, "file /usr/lib/x86_64-linux-gnu/libdup.so.1\n"));
	free(a);
	free(b);
	free(c);
	free(wa);
	free(wb);
}

/* The binary: output, exit codes and one-line messages. */
static void test_closure_cli(void **state)
{
	char *out, *err, *rootsfile = tu_path(tmp, "roots.txt");
	static const char roots_text[] = "# relay programs\n/usr/bin/prog\n\n  /usr/bin/static\n";
	int r;

	(void)state;
	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, "/usr/bin/prog", NULL }, &out, &err);
	assert_int_equal(r, 0);
	assert_string_equal(out, prog_out);
	assert_string_equal(err, "");
	free(out);
	free(err);

	tu_write(rootsfile, roots_text, sizeof roots_text - 1);
	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--roots", rootsfile, "--root", root, NULL },
		   &out, &err);
	assert_int_equal(r, 0);
	assert_non_null(strstr(out, "file /usr/bin/static\n"));
	assert_non_null(strstr(out, "file /usr/bin/prog\n"));
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, "--why", "/usr/bin/prog", NULL },
		   &out, &err);
	assert_int_equal(r, 0);
	assert_non_null(strstr(out, "needs /usr/bin/prog liba.so.1 -> /usr/lib/x86_64-linux-gnu/liba.so.1.2.3\n"));
	free(out);
	free(err);

	/* a failure prints nothing on stdout and one line on stderr */
	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, "/usr/bin/prog",
					  "/usr/bin/needshalf", NULL }, &out, &err);
	assert_int_equal(r, LETHE_EXIT_USAGE);
	assert_string_equal(out, "");
	assert_string_equal(err, "elfclosure: fatal: unable to find libnope.so.9 needed by "
				 "/usr/lib/x86_64-linux-gnu/libhalf.so.1\n");
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "/usr/bin/prog", NULL }, &out, &err);
	assert_int_equal(r, LETHE_EXIT_USAGE);
	assert_non_null(strstr(err, "elfclosure: fatal: --root is required\nelfclosure: usage: "));
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, "--libdir", "lib", "/usr/bin/prog",
					  NULL }, &out, &err);
	assert_int_equal(r, LETHE_EXIT_USAGE);
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, NULL }, &out, &err);
	assert_int_equal(r, LETHE_EXIT_USAGE);
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", R("nonexistent"), "/x", NULL }, &out, &err);
	assert_int_equal(r, LETHE_EXIT_USAGE);
	assert_non_null(strstr(err, "elfclosure: fatal: unable to open "));
	free(out);
	free(err);

	r = tu_run((const char *const[]){ ELFCLOSURE_BIN, "--root", root, "--libdir", "/usr/lib/u",
					  "/usr/bin/dupdef", NULL }, &out, &err);
	assert_int_equal(r, 0);
	assert_string_equal(out, "file /usr/bin/dupdef\nfile /usr/lib/u/libdup.so.1\n");
	free(out);
	free(err);
	free(rootsfile);
}

int test_closure_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closure_program),
		cmocka_unit_test(test_closure_program_via_bin),
		cmocka_unit_test(test_closure_why),
		cmocka_unit_test(test_closure_rpath_runpath),
		cmocka_unit_test(test_closure_libdirs),
		cmocka_unit_test(test_closure_origin),
		cmocka_unit_test(test_closure_missing),
		cmocka_unit_test(test_closure_foreign_skipped),
		cmocka_unit_test(test_closure_escape),
		cmocka_unit_test(test_closure_bad_input),
		cmocka_unit_test(test_closure_static),
		cmocka_unit_test(test_closure_order),
		cmocka_unit_test(test_closure_cli),
	};

	return cmocka_run_group_tests_name("closure", tests, setup, teardown);
}
