/* test_tpmseal: shared helpers of the cmocka groups. */
#ifndef TPMSEAL_TESTS_H
#define TPMSEAL_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Key fixtures are made at test time by tests/unit/tpmseal/mkfixtures.sh
 * (the Makefile passes their directory): no private key is committed. */
#ifndef TDATA
#define TDATA "build/tpmseal-fixtures"
#endif

int run_bundle_tests(void);
int run_torkey_tests(void);
int run_policy_tests(void);
int run_keydir_tests(void);
int run_approved_tests(void);

/* Reads a fixture into buf; returns its length (fails the test on error). */
size_t t_slurp(const char *path, uint8_t *buf, size_t cap);

/* The first line of fixture file NAME (under TDATA), without its newline:
 * the identifiers tor printed when it made the fixtures. */
const char *t_golden(const char *name);

#endif
