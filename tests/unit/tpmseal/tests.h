/* test_tpmseal: shared helpers of the cmocka groups. */
#ifndef TPMSEAL_TESTS_H
#define TPMSEAL_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TDATA "tests/unit/tpmseal/data"

int run_bundle_tests(void);
int run_torkey_tests(void);
int run_policy_tests(void);
int run_keydir_tests(void);

/* Reads a fixture into buf; returns its length (fails the test on error). */
size_t t_slurp(const char *path, uint8_t *buf, size_t cap);

#endif
